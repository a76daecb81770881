"""`orderhub dlq list` / `dlq redrive` against a real Tansu broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeAlias

import pytest
from orderhub_contracts.envelope import Envelope, encode
from orderhub_contracts.topics import dead_letter_topic
from orderhub_ops import cli

KafkaKit: TypeAlias = Any  # conftest.KafkaKit (conftest is not importable from test modules)

DLQ = dead_letter_topic("rules")


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def dead_letter(kafka: KafkaKit, i: int, *, value: bytes | None = None) -> dict[str, Any]:
    """Publish an event to orders.v1, then a dead letter for it the way the runtime writes one."""
    env = Envelope(id=f"evt-{i}", source="ingest", type="order.created.v1", subject=f"ORD-{i}", data={"i": i})
    r = encode(env)
    [(partition, offset)] = await kafka.produce(kafka.physical("orders.v1"), [kafka.rec(r.key, r.value, r.headers)])
    extra = {
        "error": f"ValueError: boom {i}",
        "original-topic": "orders.v1",  # the runtime records the logical name
        "original-partition": str(partition),
        "original-offset": str(offset),
        "group": "orderhub-rules",
        "failed-at": datetime.now(UTC).isoformat(),
        "attempts": "3",
    }
    headers = r.headers + [(f"x-orderhub-dlq-{k}", v.encode()) for k, v in extra.items()]
    body = r.value if value is None else value
    [(_, dlq_o)] = await kafka.produce(kafka.physical(DLQ), [kafka.rec(r.key, body, headers)], partition=0)
    return {"key": r.key, "value": body, "headers": r.headers, "partition": partition, "offset": offset, "at": dlq_o}


async def test_dlq_list_shows_dead_letters(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await kafka.create_orderhub_topics(partitions=2)
    first = await dead_letter(kafka, 1)
    await dead_letter(kafka, 2, value=b"\xff\x00 not json")

    assert await cli.run(["dlq", "list", "rules", "--json"]) == 0
    one, two = json_lines(capsys.readouterr().out)
    assert one["offset"] == 0 and one["ce_id"] == "evt-1" and one["ce_type"] == "order.created.v1"
    assert one["key"] == "ORD-1" and one["original_topic"] == "orders.v1"
    assert (one["original_partition"], one["original_offset"]) == (first["partition"], first["offset"])
    assert one["error"] == "ValueError: boom 1" and one["failed_at"] and one["attempts"] == 3
    assert two["ce_id"] == "evt-2" and two["value_is_json"] is False

    assert await cli.run(["dlq", "list", "rules"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{kafka.physical(DLQ)}: 2 dead-lettered message(s)")
    assert "0:1  failed-at " in text
    assert "ce_id=evt-2 ce_type=order.created.v1 key=ORD-2" in text
    assert f"original: orders.v1[{first['partition']}]@{first['offset']}" in text
    assert "error: ValueError: boom 2" in text


async def test_redrive_republishes_original_record(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await kafka.create_orderhub_topics(partitions=2)
    letters = [await dead_letter(kafka, i) for i in range(3)]
    orders = kafka.physical("orders.v1")
    before = len(await kafka.read_all(orders, partitions=2))

    assert await cli.run(["dlq", "redrive", "rules", "--offset", "0:1", "--dry-run"]) == 0
    assert "would redrive" in capsys.readouterr().out
    assert len(await kafka.read_all(orders, partitions=2)) == before  # dry run publishes nothing

    assert await cli.run(["dlq", "redrive", "rules", "--offset", "1"]) == 0
    out, err = capsys.readouterr()
    assert "redriven 1 message(s)" in out and err == ""
    assert await cli.run(["dlq", "redrive", "rules", "--event-id", "evt-2"]) == 0
    out, err = capsys.readouterr()
    assert f"redriven {kafka.physical(DLQ)} 0:2 ce_id=evt-2 ce_type=order.created.v1 key=ORD-2 -> " in out
    assert err == ""
    after = await kafka.read_all(orders, partitions=2)
    copies = [r for r in after if any(k == "x-orderhub-redriven-at" for k, _ in r.headers)]
    assert sorted(dict(r.headers)["ce_id"].decode() for r in copies) == ["evt-1", "evt-2"]
    for rec in copies:
        i = int(dict(rec.headers)["ce_id"].decode().split("-")[1])
        original = letters[i]
        assert rec.key == original["key"] and rec.value == original["value"]
        assert rec.partition == original["partition"]  # back on its original partition
        names = [k for k, _ in rec.headers]
        assert not [n for n in names if n.startswith("x-orderhub-dlq-")]
        assert [(k, bytes(v)) for k, v in rec.headers if k != "x-orderhub-redriven-at"] == original["headers"]
        datetime.fromisoformat(dict(rec.headers)["x-orderhub-redriven-at"].decode())

    # Redriving one again works but warns; the DLQ itself is untouched.
    assert await cli.run(["dlq", "redrive", "rules", "--all"]) == 0
    out, err = capsys.readouterr()
    assert "redriven 3 message(s)" in out
    assert err.count("was already redriven") == 2 and "(ce_id evt-1)" in err and "(ce_id evt-0)" not in err
    assert await cli.run(["dlq", "list", "rules", "--json"]) == 0
    assert len(json_lines(capsys.readouterr().out)) == 3


async def test_redrive_selection_errors(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    await kafka.create_orderhub_topics(partitions=1)
    await dead_letter(kafka, 1)
    assert await cli.run(["dlq", "redrive", "rules", "--offset", "7"]) == 1
    assert "no dead-lettered message at offset 7" in capsys.readouterr().err
    assert await cli.run(["dlq", "redrive", "rules", "--event-id", "nope"]) == 1
    assert "no dead-lettered message with ce_id nope" in capsys.readouterr().err
    assert await cli.run(["dlq", "list", "notify"]) == 0  # exists, empty
    assert "0 dead-lettered message(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as bad:
        await cli.run(["dlq", "redrive", "rules", "--offset", "x"])
    assert bad.value.code == 2


async def test_dlq_topic_missing_is_an_error(
    kafka: KafkaKit, ops_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cli.run(["dlq", "list", "rules"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert kafka.physical(DLQ) not in await kafka.list_topics()
