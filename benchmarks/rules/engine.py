"""`python -m benchmarks.rules.engine`: cost of checking one order (facts + every enabled rule).

Runs the default rule set, or the active one of a database with `--database-url` (read only),
over generated orders (seeded, so runs compare) and prints p50/p99 in µs per order: wall time,
and the thread's CPU time, which a busy machine's scheduling does not inflate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from rules.engine.evaluate import evaluate
from rules.engine.facts import placement_facts
from rules.engine.ruleset import CompiledRuleSet, compile_rule_set

_WARMUP = 500
_REMARKS = ["需要开发票", "周末送货", "送个赠品", "请改地址到上海市浦东新区", "工作日白天送", "发顺丰"]
_PRICES_FEN = [990, 4990, 19900, 59900, 129900, 259900]
_PRICE_WEIGHTS = [20, 30, 30, 12, 6, 2]
# Real places (resolved against the division data), and a few the data cannot resolve.
_PLACES = [
    ("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("江苏省", "苏州市", "吴中区"),
    ("四川省", "成都市", "武侯区"), ("河南省", "郑州市", "金水区"), ("黑龙江省", "哈尔滨市", "南岗区"),
    ("上海市", "市辖区", "浦东新区"), ("北京市", "北京市", "朝阳区"), ("广东省", "东莞市", ""),
    ("浙江", "杭州", "余杭区"), ("", "", ""), ("湖南省", "某市", "某区"),
]  # fmt: skip
_STREETS = ["文三路", "科技园南路", "长桥街道", "人民南路四段", "花园路", "中山大道"]


def generate_orders(count: int, seed: int = 7) -> list[CanonicalOrder]:
    """A plausible mix: mostly clean orders, a few per cent of each kind of anomaly."""
    rng = random.Random(seed)
    start = datetime(2026, 2, 18, tzinfo=UTC)
    return [_order(rng, i, start + timedelta(seconds=i)) for i in range(count)]


def _order(rng: random.Random, i: int, created: datetime) -> CanonicalOrder:
    lines = tuple(
        LineItem(
            sku=f"SKU-{rng.randint(1, 400):04d}",
            title="家电",
            quantity=12 if rng.random() < 0.02 else rng.randint(1, 3),
            unit_price_fen=rng.choices(_PRICES_FEN, _PRICE_WEIGHTS)[0],
            presale=rng.random() < 0.05,
        )
        for _ in range(rng.randint(1, 3))
    )
    missing = rng.random() < 0.03
    village = rng.random() < 0.05
    province, city, district = rng.choice(_PLACES)
    street = "红星村" if village else rng.choice(_STREETS)
    detail = (
        f"{rng.randint(1, 9)}组{rng.randint(1, 99)}号" if village else f"{rng.randint(1, 999)}号{rng.randint(1, 30)}幢"
    )
    if not province:  # only free text: the names are in the street part
        street = f"浙江省杭州市拱墅区{street}"
    return CanonicalOrder(
        order_id=f"DABE{created:%Y%m%d%H%M}{i:05d}",
        channel=rng.choice(list(Channel)),
        channel_order_no=f"CH{i:08d}",
        created_at=created,
        paid_at=created if rng.random() < 0.8 else None,
        receiver=Receiver(
            name="" if missing else "李四",
            phone=rng.choice([f"138{rng.randint(0, 10**8 - 1):08d}", "0571-8888"]) if village else _mobile(rng),
            province=province,
            city=city,
            district=district,
            street=street,
            detail=detail,
        ),
        items=lines,
        buyer_remark=rng.choice(_REMARKS) if rng.random() < 0.2 else "",
        discount_fen=sum(i.list_total_fen for i in lines) // 2 + 1 if rng.random() < 0.02 else 0,
    )


def _mobile(rng: random.Random) -> str:
    return f"{rng.choice(['138', '139', '150', '186', '199', '120'])}{rng.randint(0, 10**8 - 1):08d}"


def run(rule_set: CompiledRuleSet, orders: list[CanonicalOrder]) -> dict[str, Any]:
    for order in orders[:_WARMUP]:
        evaluate(rule_set, placement_facts(order))
    timings: list[int] = []
    cpu: list[int] = []
    hits: Counter[str] = Counter()
    for order in orders:
        started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
        found = evaluate(rule_set, placement_facts(order))
        cpu.append(time.thread_time_ns() - started_cpu)
        timings.append(time.perf_counter_ns() - started)
        hits.update(h.rule.id for h in found)
    timings.sort()
    cpu.sort()
    return {
        "rule_set_version": rule_set.version,
        "rules_enabled": len(rule_set.enabled),
        "orders": len(orders),
        "p50_us": round(_percentile(timings, 0.50) / 1000, 2),
        "p99_us": round(_percentile(timings, 0.99) / 1000, 2),
        "mean_us": round(statistics.fmean(timings) / 1000, 2),
        "max_us": round(timings[-1] / 1000, 2),
        "cpu_p50_us": round(_percentile(cpu, 0.50) / 1000, 2),
        "cpu_p99_us": round(_percentile(cpu, 0.99) / 1000, 2),
        "hits": dict(sorted(hits.items())),
    }


def _percentile(sorted_values: list[int], q: float) -> float:
    return float(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))])


async def _active_from(database_url: str) -> CompiledRuleSet:
    from rules.rulesets.service import active
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:  # never committed: reading leaves no trace
            stored = await active(conn)
    finally:
        await engine.dispose()
    return compile_rule_set(stored.version, stored.rules)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rules.engine", description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="", help="use this database's active rule set")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.database_url:
        rule_set = asyncio.run(_active_from(args.database_url))
    else:
        from rules.default_rules import DEFAULT_RULE_SET_VERSION, DEFAULT_RULES

        rule_set = compile_rule_set(DEFAULT_RULE_SET_VERSION, DEFAULT_RULES)
    result = run(rule_set, generate_orders(args.orders, args.seed))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(
        f"rules bench: rule set v{result['rule_set_version']} ({result['rules_enabled']} rules enabled), "
        f"{result['orders']} orders: p50 {result['p50_us']} µs, p99 {result['p99_us']} µs per order "
        f"(mean {result['mean_us']} µs, max {result['max_us']} µs); "
        f"CPU time p50 {result['cpu_p50_us']} µs, p99 {result['cpu_p99_us']} µs"
    )
    print("hits: " + ", ".join(f"{rule} {n}" for rule, n in result["hits"].items()))


if __name__ == "__main__":
    main()
