"""The routing table (product category → agents) and who is on duty."""
