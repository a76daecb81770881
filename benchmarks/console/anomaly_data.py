"""Anomalies for the orders the search benchmark loaded, written straight into the rules schema
(as the rules service would have stored them), so that the queue and the order page read a
realistic table: one order in six carries a level-1 remark tag (closed automatically), one in
forty a level-2 review, one in two hundred a level-3 block; those of the last week still wait
in the queue, the older ones were handled (acknowledged, then released)."""

from __future__ import annotations

import asyncpg

OPEN_WINDOW = "7 days"  # reviews and blocks raised this recently are still in the queue

_ORDERS = """
INSERT INTO rules.orders (order_id, snapshot, paid, province, channel, created_at, rule_set_version, validated_at)
SELECT o.order_id, o.snapshot, true, o.receiver_province, o.channel, o.created_at, 1, o.created_at
FROM ingest.orders AS o
WHERE abs(hashtext(o.order_id)) % 6 = 0 OR abs(hashtext(o.order_id)) % 40 = 1 OR abs(hashtext(o.order_id)) % 200 = 2
ON CONFLICT DO NOTHING
"""

_AUTOMATIC = """
INSERT INTO rules.anomalies (anomaly_id, order_id, rule_id, rule_name, rule_set_version, level, holds, evidence,
                             actions, status, resolution, raised_at, resolved_at, resolved_by)
SELECT gen_random_uuid(), o.order_id, 'R12', '订单备注提醒', 1, 1, false, '{"remark": "周末送货"}', '[]',
       'resolved', 'automatic', o.created_at, o.created_at, '系统'
FROM rules.orders AS o
WHERE abs(hashtext(o.order_id)) % 6 = 0
"""

_HELD = """
INSERT INTO rules.anomalies (anomaly_id, order_id, rule_id, rule_name, rule_set_version, level, holds, evidence,
                             actions, status, resolution, raised_at, acknowledged_at, acknowledged_by, resolved_at,
                             resolved_by)
SELECT gen_random_uuid(), o.order_id, $1, $2, 1, $3, true, '{}', '[{"kind": "hold"}]',
       CASE WHEN recent THEN 'open' ELSE 'resolved' END,
       CASE WHEN recent THEN NULL ELSE 'released' END,
       o.created_at,
       CASE WHEN recent THEN NULL ELSE o.created_at + interval '6 minutes' END,
       CASE WHEN recent THEN NULL ELSE '张三' END,
       CASE WHEN recent THEN NULL ELSE o.created_at + interval '9 minutes' END,
       CASE WHEN recent THEN NULL ELSE '张三' END
FROM rules.orders AS o,
     LATERAL (
         SELECT o.created_at > (SELECT max(created_at) FROM rules.orders) - CAST(CAST($6 AS text) AS interval) AS recent
     ) AS r
WHERE abs(hashtext(o.order_id)) % $4 = $5
"""

HELD_RULES = (("R11", "大额订单", 2, 40, 1), ("R06", "收货信息缺失", 3, 200, 2))


async def load(conn: asyncpg.Connection) -> dict[str, int]:
    """Write the rules' orders and anomalies (`conn`: a superuser on the benchmark's database);
    returns how many anomalies of each kind, and how many wait in the queue."""
    await conn.execute(_ORDERS)
    await conn.execute(_AUTOMATIC)
    for rule, name, level, modulus, remainder in HELD_RULES:
        await conn.execute(_HELD, rule, name, level, modulus, remainder, OPEN_WINDOW)
    await conn.execute("ANALYZE rules.orders; ANALYZE rules.anomalies")
    rows = await conn.fetch(
        "SELECT level, count(*) AS raised, count(*) FILTER (WHERE status <> 'resolved') AS waiting "
        "FROM rules.anomalies GROUP BY level ORDER BY level"
    )
    counts = {f"level_{r['level']}": int(r["raised"]) for r in rows}
    counts["in_queue"] = sum(int(r["waiting"]) for r in rows)
    return counts
