"""Address resolution over the corpus (services/rules/tests/data/addresses): time per address,
uncached (every address resolved from scratch), and R02's figures: the share of deliverable
addresses it holds (target 0) and of vague ones it catches, with R06 for an empty detail (target
100%). Usage: uv run --no-sync python -m benchmarks.rules.address_bench [--passes N]"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from orderhub_contracts.address import Receiver
from rules.default_rules import DEFAULT_RULES
from rules.engine.address import resolve
from rules.engine.divisions import divisions
from rules.engine.evaluate import evaluate
from rules.engine.facts import BASELINE_ORDER, placement_facts
from rules.engine.ruleset import compile_rule_set

CORPUS = Path(__file__).resolve().parents[2] / "services/rules/tests/data/addresses/addresses.jsonl"


def receiver_of(channel: str, f: dict[str, Any]) -> Receiver:
    """As ingest normalises each channel (the corpus test does the same)."""
    if channel == "taobao":
        city, district = (
            (f["receiver_district"], "") if not f["receiver_city"] else (f["receiver_city"], f["receiver_district"])
        )
        return Receiver(
            province=f["receiver_state"],
            city=city,
            district=district,
            street=f["receiver_town"],
            detail=f["receiver_address"],
        )
    if channel == "pinduoduo":
        return Receiver(province=f["province"], city=f["city"], district=f["town"], detail=f["address"])
    if channel == "douyin":
        a = f["post_addr"]
        return Receiver(
            province=a["province"]["name"],
            city=a["city"]["name"],
            district=a["town"]["name"],
            street=a["street"]["name"],
            detail=a["detail"],
        )
    return Receiver(detail=f["address"])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args()
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    receivers = [receiver_of(r["channel"], r["fields"]) for r in rows]
    started = time.perf_counter()
    divisions()
    load_ms = (time.perf_counter() - started) * 1000
    uncached = resolve.__wrapped__
    timings: list[int] = []
    for _ in range(args.passes):
        for rc in receivers:
            t0 = time.perf_counter_ns()
            uncached(rc.province, rc.city, rc.district, f"{rc.street}{rc.detail}")
            timings.append(time.perf_counter_ns() - t0)
    timings.sort()
    rule_set = compile_rule_set(1, [r for r in DEFAULT_RULES if r["id"] in ("R02", "R06")])
    held = {"deliverable": 0, "vague": 0}
    total = {"deliverable": 0, "vague": 0}
    for row, rc in zip(rows, receivers, strict=True):
        order = BASELINE_ORDER.model_copy(
            update={"receiver": rc.model_copy(update={"name": "张三", "phone": "13812345678"})}
        )
        total[row["expect"]] += 1
        held[row["expect"]] += bool(evaluate(rule_set, placement_facts(order)))
    result = {
        "addresses": len(rows),
        "deliverable": total["deliverable"],
        "vague": total["vague"],
        "deliverable_held_share": held["deliverable"] / total["deliverable"],
        "vague_caught_share": held["vague"] / total["vague"],
        "resolutions_timed": len(timings),
        "p50_us": round(timings[len(timings) // 2] / 1000, 1),
        "p99_us": round(timings[int(len(timings) * 0.99)] / 1000, 1),
        "max_us": round(timings[-1] / 1000, 1),
        "mean_us": round(statistics.fmean(timings) / 1000, 1),
        "data_load_ms": round(load_ms, 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
