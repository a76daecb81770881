"""OrderHub ops CLI (`orderhub`): topics and message counts, consumer-group lag, tailing events with
their CloudEvents headers, and listing/redriving dead-lettered messages, all through Kafka."""

__version__ = "0.1.0"
