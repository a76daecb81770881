"""The status projection: downstream events onto the order's status and timeline."""
