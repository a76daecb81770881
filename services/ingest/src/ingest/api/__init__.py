"""The staff HTTP API."""
