"""Everything services agree on: topics, the CloudEvents envelope, event models, the order
state machine and shared value types. Services meet only through this package and Kafka."""
