"""Staff HTTP API of the fulfillment service."""
