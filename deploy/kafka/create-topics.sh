#!/bin/sh
# Creates OrderHub's topics on an Apache Kafka cluster before any service starts, with the
# partition count, replication factor and min.insync.replicas of the services' own settings
# (the same ORDERHUB_* variables), and sets min.insync.replicas on topics that already exist.
# Idempotent. Runs in the apache/kafka image (compose service `topics`, Kubernetes job
# `orderhub-topics`). Partitions are never changed on an existing topic: that would move keys
# (order IDs) to other partitions and break per-order ordering while old records drain.
set -eu

KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"
BOOTSTRAP="${ORDERHUB_KAFKA_BOOTSTRAP_SERVERS:?ORDERHUB_KAFKA_BOOTSTRAP_SERVERS is not set}"
PREFIX="${ORDERHUB_TOPIC_PREFIX:-}"
PARTITIONS="${ORDERHUB_TOPIC_PARTITIONS:-12}"
REPLICATION_FACTOR="${ORDERHUB_TOPIC_REPLICATION_FACTOR:-3}"
MIN_INSYNC_REPLICAS="${ORDERHUB_TOPIC_MIN_INSYNC_REPLICAS:-2}"

# Every topic of orderhub_contracts.topics.all_topic_names() (tests/deploy checks the list).
TOPICS="orders.v1 anomalies.v1 fulfillment.v1 aftersales.v1 notifications.v1
dlq.ingest.v1 dlq.rules.v1 dlq.fulfillment.v1 dlq.aftersales.v1 dlq.notify.v1 dlq.insights.v1"

for topic in $TOPICS; do
    name="$PREFIX$topic"
    "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" \
        --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR" \
        --config "min.insync.replicas=$MIN_INSYNC_REPLICAS"
    "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics \
        --entity-name "$name" --add-config "min.insync.replicas=$MIN_INSYNC_REPLICAS"
done
"$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe --topics-with-overrides
