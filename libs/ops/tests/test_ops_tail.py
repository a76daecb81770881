"""`orderhub topics tail` against a real Tansu broker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any, TypeAlias

import pytest
from orderhub_contracts.envelope import Envelope, encode
from orderhub_ops import cli

KafkaKit: TypeAlias = Any  # conftest.KafkaKit (conftest is not importable from test modules)


def event(kafka: KafkaKit, i: int, order: str, ce_type: str = "order.created.v1") -> Any:
    env = Envelope(
        id=f"evt-{i}",
        source="ingest",
        type=ce_type,
        subject=order,
        data={"i": i, "名": "张三"},
        correlation_id=f"c-{i}",
    )
    r = encode(env)
    return kafka.rec(r.key, r.value, r.headers)


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def seed(kafka: KafkaKit) -> None:
    """27 events in one batch, then 3 more sent one by one (distinct, later timestamps)."""
    await kafka.create_orderhub_topics(partitions=3)
    orders = kafka.physical("orders.v1")
    types = ("order.created.v1", "order.paid.v1", "order.shipped.v1")
    await kafka.produce(orders, [event(kafka, i, f"ORD-{i % 6}", types[i % 3]) for i in range(27)])
    for i in range(27, 30):
        await asyncio.sleep(0.01)
        await kafka.produce(orders, [event(kafka, i, f"ORD-{i % 6}", types[i % 3])])


async def test_tail_last_n_across_partitions(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(kafka)
    assert await cli.run(["topics", "tail", "orders.v1", "-n", "3", "--json"]) == 0
    got = json_lines(capsys.readouterr().out)
    assert [r["ce_id"] for r in got] == ["evt-27", "evt-28", "evt-29"]
    last = got[-1]
    assert last["topic"] == kafka.physical("orders.v1")
    assert last["key"] == "ORD-5" and last["ce_subject"] == "ORD-5"
    assert last["ce_type"] == "order.shipped.v1" and last["ce_source"] == "ingest"
    assert last["ce_correlationid"] == "c-29" and last["ce_time"]
    assert last["value"] == {"i": 29, "名": "张三"}
    assert last["headers"]["ce_specversion"] == "1.0"

    assert await cli.run(["topics", "tail", "orders.v1"]) == 0  # default -n 10, human format
    text = capsys.readouterr().out
    assert text.count("ce_type=") == 10
    assert "ce_id=evt-29 ce_subject=ORD-5 ce_source=ingest" in text
    assert "ce_correlationid=c-29" in text
    assert '    "名": "张三"' in text  # pretty-printed JSON value, indented under the record

    assert await cli.run(["topics", "tail", "orders.v1", "-n", "2", "--compact"]) == 0
    compact = capsys.readouterr().out
    assert '  {"i":29,"名":"张三"}' in compact and compact.count("ce_type=") == 2

    assert await cli.run(["topics", "tail", "orders.v1", "-n", "0"]) == 0
    assert capsys.readouterr().out == ""


async def test_tail_filters_by_key_and_type(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(kafka)
    assert await cli.run(["topics", "tail", "orders.v1", "--key", "ORD-1", "-n", "3", "--json"]) == 0
    got = json_lines(capsys.readouterr().out)
    assert [r["ce_id"] for r in got] == ["evt-13", "evt-19", "evt-25"]
    assert {r["key"] for r in got} == {"ORD-1"}

    assert await cli.run(["topics", "tail", "orders.v1", "--type", "order.shipped.v1", "-n", "100", "--json"]) == 0
    got = json_lines(capsys.readouterr().out)
    assert len(got) == 10 and {r["ce_type"] for r in got} == {"order.shipped.v1"}

    args = ["topics", "tail", "orders.v1", "--key", "ORD-2", "--type", "order.shipped.v1", "--json"]
    assert await cli.run(args) == 0
    assert [r["ce_id"] for r in json_lines(capsys.readouterr().out)] == ["evt-2", "evt-8", "evt-14", "evt-20", "evt-26"]


async def test_tail_key_found_far_back(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The only match sits 600 records back: the backward windows must keep growing to reach it."""
    await kafka.create_orderhub_topics(partitions=1)
    orders = kafka.physical("orders.v1")
    await kafka.produce(orders, [event(kafka, 0, "ORD-OLD")])
    await kafka.produce(orders, [event(kafka, i, "ORD-NEW") for i in range(1, 601)])
    assert await cli.run(["topics", "tail", "orders.v1", "--key", "ORD-OLD", "--json"]) == 0
    got = json_lines(capsys.readouterr().out)
    assert [(r["offset"], r["ce_id"]) for r in got] == [(0, "evt-0")]


async def test_tail_non_orderhub_topic_and_raw_values(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    custom = f"{kafka.prefix}scratch"
    await kafka.create_topics([custom], partitions=1)
    await kafka.produce(custom, [kafka.rec(None, b"\xff\xfe raw"), kafka.rec("k", b"plain text")])
    assert await cli.run(["topics", "tail", custom, "--json"]) == 0
    first, second = json_lines(capsys.readouterr().out)
    assert first["key"] is None and first["value_is_json"] is False
    assert second["value"] == "plain text" and second["ce_type"] is None


async def test_tail_follow_prints_new_records(kafka: KafkaKit, ops_env: dict[str, str]) -> None:
    await seed(kafka)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "orderhub_ops", "topics", "tail", "orders.v1", "-n", "1", "--follow", "--json"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    assert proc.stdout is not None and proc.stderr is not None

    async def next_record() -> dict[str, Any]:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 20)
        return dict(json.loads(line))

    try:
        assert (await next_record())["ce_id"] == "evt-29"
        await kafka.produce(kafka.physical("orders.v1"), [event(kafka, 100 + i, "ORD-9") for i in range(3)])
        later = [await next_record() for _ in range(3)]
        assert sorted(r["ce_id"] for r in later) == ["evt-100", "evt-101", "evt-102"]
    finally:
        proc.send_signal(signal.SIGINT)
        err = (await asyncio.wait_for(proc.stderr.read(), 15)).decode()
        await asyncio.wait_for(proc.wait(), 15)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
