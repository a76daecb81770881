"""`orderhub topics list` / `topics lag`, error handling and exit codes, against a real Tansu broker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Any, TypeAlias

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from orderhub_contracts.topics import SERVICES, consumer_group
from orderhub_ops import cli

# conftest.KafkaKit / conftest.Rec: test modules cannot import conftest under --import-mode=importlib
# (nor can mypy resolve it), so the fixture's helper object is typed loosely here.
KafkaKit: TypeAlias = Any
Rec: TypeAlias = Any


def rec_factory(kafka: KafkaKit, n: int, key: str = "k") -> list[Rec]:
    return [kafka.rec(f"{key}{i % 5}", json.dumps({"i": i}).encode()) for i in range(n)]


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def test_list_counts_one_batch_of_50(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    orders = kafka.physical("orders.v1")
    await kafka.create_topics([orders], partitions=1)
    await kafka.produce(orders, rec_factory(kafka, 50))  # one linger window: a single batch of 50

    # end_offsets alone is wrong on the embedded broker: base offset of the last batch + 1.
    probe = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap)
    await probe.start()
    try:
        end = (await probe.end_offsets([TopicPartition(orders, 0)]))[TopicPartition(orders, 0)]
    finally:
        await probe.stop()

    assert await cli.run(["topics", "list", "--json"]) == 0
    rows = {r["topic"]: r for r in json_lines(capsys.readouterr().out)}
    assert rows[orders]["messages"] == 50, f"end_offsets said {end}"
    assert rows[orders]["partitions"] == 1
    assert rows[orders]["orderhub"] is True


async def test_list_table_several_batches_and_partitions(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await kafka.create_orderhub_topics(partitions=3)
    fulfillment = kafka.physical("fulfillment.v1")
    for _ in range(3):  # three batches of 20 on one partition: end_offsets would say 41
        await kafka.produce(fulfillment, rec_factory(kafka, 20), partition=1)
    await kafka.produce(fulfillment, rec_factory(kafka, 7), partition=2)

    assert await cli.run(["topics", "list"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith(fulfillment))
    assert line.split() == [fulfillment, "3", "67"]
    assert "not created yet" not in out
    assert out.splitlines()[0].split() == ["TOPIC", "PARTITIONS", "MESSAGES"]


async def test_lag_for_partly_committed_group(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await kafka.create_orderhub_topics(partitions=2)
    orders = kafka.physical("orders.v1")
    await kafka.produce(orders, rec_factory(kafka, 30), partition=0)  # one batch
    await kafka.produce(orders, rec_factory(kafka, 10), partition=1)
    group = consumer_group("rules", kafka.prefix)  # rules subscribes to orders, fulfillment, notifications
    await kafka.commit(group, {TopicPartition(orders, 0): 12})

    assert await cli.run(["topics", "lag", "--group", "rules", "--json"]) == 0
    [report] = json_lines(capsys.readouterr().out)
    assert report["group"] == group
    parts = {(p["topic"], p["partition"]): p for p in report["partitions"]}
    assert parts[(orders, 0)] == {"topic": orders, "partition": 0, "committed": 12, "high_water": 30, "lag": 18}
    assert parts[(orders, 1)]["committed"] is None and parts[(orders, 1)]["lag"] == 10
    assert parts[(kafka.physical("fulfillment.v1"), 0)]["lag"] == 0
    assert report["total_lag"] == 28

    assert await cli.run(["topics", "lag", "--group", group]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"GROUP {group} (service rules)")
    row0 = next(ln for ln in text.splitlines() if ln.split()[:2] == [orders, "0"])
    assert row0.split() == [orders, "0", "12", "30", "18"]
    row1 = next(ln for ln in text.splitlines() if ln.split()[:2] == [orders, "1"])
    assert "no commit yet" in row1
    assert "total lag: 28" in text


async def test_lag_all_groups_and_foreign_group(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await kafka.create_orderhub_topics(partitions=1)
    anomalies = kafka.physical("anomalies.v1")
    await kafka.produce(anomalies, rec_factory(kafka, 9))
    foreign = f"adhoc-{kafka.prefix}"
    await kafka.commit(foreign, {TopicPartition(anomalies, 0): 4})

    assert await cli.run(["topics", "lag", "--json"]) == 0
    groups = [g["group"] for g in json_lines(capsys.readouterr().out)]
    assert groups == [consumer_group(s, kafka.prefix) for s in SERVICES]  # every service's group

    assert await cli.run(["topics", "lag", "--group", foreign, "--json"]) == 0
    [report] = json_lines(capsys.readouterr().out)
    assert report["partitions"] == [{"topic": anomalies, "partition": 0, "committed": 4, "high_water": 9, "lag": 5}]


async def test_unknown_topic_is_refused_and_not_created(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli.run(["topics", "tail", "ordrs.v1"]) == 2
    err = capsys.readouterr().err
    assert "unknown topic 'ordrs.v1'" in err and "orders.v1" in err
    # A known name whose topic was never created is refused too, rather than auto-created.
    assert await cli.run(["topics", "tail", "orders.v1"]) == 2
    assert "does not exist" in capsys.readouterr().err
    topics = await kafka.list_topics()
    assert "ordrs.v1" not in topics and kafka.physical("orders.v1") not in topics


def _run_module(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderhub_ops", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env if env is not None else dict(os.environ),
    )


def test_unreachable_broker_exits_1_with_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        started = time.monotonic()
        done = _run_module("--bootstrap", f"127.0.0.1:{port}", "topics", "list")
        elapsed = time.monotonic() - started
    assert done.returncode == 1
    assert done.stderr.strip() == f"orderhub: cannot reach Kafka at 127.0.0.1:{port}"
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert elapsed < 15


def test_bootstrap_from_env_and_usage_errors(tansu_bootstrap: str) -> None:
    env = {**os.environ, "ORDERHUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    done = _run_module("dlq", "list", "rules", env=env)
    assert done.returncode == 1 and "cannot reach Kafka at 127.0.0.1:1" in done.stderr
    # --bootstrap after the subcommand wins over the environment
    done = _run_module("topics", "list", "--bootstrap", tansu_bootstrap, env=env)
    assert done.returncode == 0, done.stderr
    assert _run_module("dlq", "list", "nosuchservice").returncode == 2
    assert _run_module("dlq", "redrive", "rules").returncode == 2  # no selector
    assert _run_module("topics", "tail", "orders.v1", "-n", "-3").returncode == 2
    assert _run_module().returncode == 2
