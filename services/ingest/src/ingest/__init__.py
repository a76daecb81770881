"""Ingest service: takes orders in, gives them their global ID, keeps the order record and
projects every downstream event onto its status and timeline."""
