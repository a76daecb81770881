"""The Kafka bus: transactional outbox and relay, inbox-deduplicating consumer, dead letters."""
