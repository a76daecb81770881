"""The address corpus (tests/data/addresses, built from public division data): R02 holds none of
the deliverable addresses and catches every vague one, and each deliverable one resolves to the
division it was built from. Pure: no servers."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from orderhub_contracts.address import Receiver
from rules.default_rules import DEFAULT_RULES
from rules.engine.address import resolve_receiver
from rules.engine.evaluate import evaluate
from rules.engine.facts import BASELINE_ORDER, placement_facts
from rules.engine.ruleset import compile_rule_set

CORPUS = Path(__file__).parent / "data" / "addresses" / "addresses.jsonl"


@lru_cache(maxsize=1)
def corpus() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def receiver_of(channel: str, fields: dict[str, Any]) -> Receiver:
    """The receiver as ingest normalises each channel's fields (ingest/channels/*/normalise.py)."""
    if channel == "taobao":
        city, district = fields["receiver_city"], fields["receiver_district"]
        if not city and district:  # 省直辖县级行政区: TOP sends them in the district field only
            city, district = district, ""
        return Receiver(
            province=fields["receiver_state"],
            city=city,
            district=district,
            street=fields["receiver_town"],
            detail=fields["receiver_address"],
        )
    if channel == "pinduoduo":
        return Receiver(
            province=fields["province"], city=fields["city"], district=fields["town"], detail=fields["address"]
        )
    if channel == "douyin":
        addr = fields["post_addr"]
        return Receiver(
            province=addr["province"]["name"],
            city=addr["city"]["name"],
            district=addr["town"]["name"],
            street=addr["street"]["name"],
            detail=addr["detail"],
        )
    return Receiver(detail=fields["address"])  # the mini-program: one line as typed


def r02_fires(receiver: Receiver) -> bool:
    rule_set = compile_rule_set(1, [r for r in DEFAULT_RULES if r["id"] in ("R02", "R06")])
    order = BASELINE_ORDER.model_copy(
        update={"receiver": receiver.model_copy(update={"name": "张三", "phone": "13812345678"})}
    )
    return bool(evaluate(rule_set, placement_facts(order)))


def test_the_corpus_covers_what_the_issue_asks() -> None:
    rows = corpus()
    cases = Counter(r["case"] for r in rows)
    provinces = {r["path"].split("/")[0] for r in rows if r["path"]}
    assert len(rows) >= 1000
    assert len(provinces) == 34
    assert cases["zone"] >= 100
    assert sum(1 for r in rows if r["expect"] == "vague") >= 100
    for case in ("renamed", "direct_city", "no_district_city", "municipality", "hk_mo_tw", "district_in_detail"):
        assert cases[case] >= 20, case
    assert {r["channel"] for r in rows} == {"taobao", "pinduoduo", "douyin", "miniprogram"}
    assert all(r["source"] for r in rows)


def test_no_deliverable_address_is_held_and_every_vague_one_is() -> None:
    held = [
        r["id"] for r in corpus() if r["expect"] == "deliverable" and r02_fires(receiver_of(r["channel"], r["fields"]))
    ]
    missed = [
        r["id"] for r in corpus() if r["expect"] == "vague" and not r02_fires(receiver_of(r["channel"], r["fields"]))
    ]
    assert held == []
    assert missed == []


@pytest.mark.parametrize(
    "case",
    [
        "official",
        "zone",
        "zone_short",
        "renamed",
        "direct_city",
        "municipality",
        "hk_mo_tw",
        "free_text",
        "district_in_detail",
        "no_district_city",
        "typed_short",
    ],
)
def test_deliverable_addresses_resolve_to_their_division(case: str) -> None:
    wrong = []
    for row in corpus():
        if row["case"] != case:
            continue
        place = resolve_receiver(receiver_of(row["channel"], row["fields"]))
        got = "/".join(p for p in (place.province, place.city, place.district) if p)
        if got != row["path"]:
            wrong.append((row["id"], row["path"], got))
    assert wrong == []


def test_vague_addresses_say_which_part_failed() -> None:
    expected = {
        "vague_detail": "详细地址",
        "district_elsewhere": "区县不属于该城市",
        "city_elsewhere": "城市不属于该省份",
        "no_such_city": "城市不存在",
        "no_such_province": "省份不存在",
    }
    for row in corpus():
        if row["case"] in expected:
            problem = resolve_receiver(receiver_of(row["channel"], row["fields"])).problem
            assert problem.startswith(expected[row["case"]]), (row["id"], problem)
