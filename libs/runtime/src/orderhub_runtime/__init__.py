"""Shared runtime for OrderHub services: settings, logging, database transactions, the Kafka
bus (transactional outbox, inbox deduplication, dead letters) and the HTTP app factory."""
