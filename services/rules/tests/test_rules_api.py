"""Managing the rule set at run time: replace, refuse a bad set (the running one stays in force),
switch rules on and off, and the history of who changed what and when."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
from orderhub_contracts.events import OrderPlaced
from rules.default_rules import DEFAULT_RULES
from rules.rulesets import service as rulesets
from rules.rulesets.model import NoActiveRuleSet
from rules.tables import rule_sets
from sqlalchemy import func, select, update

if TYPE_CHECKING:
    from conftest import RulesHarness

pytestmark = pytest.mark.asyncio(loop_scope="session")
MANAGER = {"Authorization": "Bearer local-manager"}


@pytest_asyncio.fixture(loop_scope="session")
async def restored(rules: RulesHarness) -> AsyncIterator[RulesHarness]:
    """Whatever a test does to the rule set, the defaults are in force again afterwards."""
    yield rules
    response = await rules.put_rules(copy.deepcopy(DEFAULT_RULES), note="tests: back to the defaults")
    assert response.status_code == 200, response.text


def with_rule(rules: list[dict[str, Any]], rule_id: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**r, **changes} if r["id"] == rule_id else r for r in rules]


async def test_replacement_takes_effect_and_is_kept_in_the_history(restored: RulesHarness) -> None:
    rules = restored
    before = await rules.rule_set()
    r11 = next(r for r in before["rules"] if r["id"] == "R11")
    stricter = {
        **r11,
        "condition": "paid_total_fen >= 100000 or max_sku_quantity >= 10",
        "examples": {"must_trigger": {"paid_total_fen": 100000}, "must_not_trigger": {"paid_total_fen": 99999}},
    }
    response = await rules.put_rules(with_rule(before["rules"], "R11", **stricter), note="大促期间降低大额门槛")
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["version"] == before["version"] + 1 and after["created_by"] == "本地主管"

    order = rules.order(items=(rules.HIGH_VALUE[0].model_copy(update={"unit_price_fen": 150_000}),))
    await rules.deliver(OrderPlaced(order=order))
    (anomaly,) = await rules.anomalies(order.order_id)
    assert (anomaly["rule_id"], anomaly["rule_set_version"]) == ("R11", after["version"])

    history = (await rules.client.get("/v1/rules/history", headers=MANAGER)).json()
    latest = history[0]
    assert (latest["version"], latest["active"], latest["created_by"]) == (after["version"], True, "本地主管")
    assert latest["change"] == "replaced: changed R11" and latest["note"] == "大促期间降低大额门槛"
    assert latest["rules"] is None and history[1]["active"] is False

    same = await rules.put_rules(copy.deepcopy(DEFAULT_RULES))  # defaults left out are no change
    assert same.status_code == 200
    restored_history = (await rules.client.get("/v1/rules/history", params={"limit": 1}, headers=MANAGER)).json()
    assert restored_history[0]["change"] == "replaced: changed R11"  # back from the stricter R11


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"condition": "paid_total_fen >= (200000"}, "R11 大额订单: condition: does not parse"),
        ({"condition": "paid_amount >= 200000"}, "R11 大额订单: condition: unknown name 'paid_amount'"),
        ({"condition": "paid_total_fen > 200000"}, "R11 大额订单: example must_trigger does not trigger the rule"),
        ({"level": 7}, "R11: level:"),
    ],
)
async def test_bad_rule_set_is_refused_naming_the_rule_and_the_running_set_stays(
    restored: RulesHarness, changes: dict[str, Any], complaint: str
) -> None:
    rules = restored
    before = await rules.rule_set()
    response = await rules.put_rules(with_rule(before["rules"], "R11", **changes))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "rule_set_invalid"
    assert complaint in error["message"] and "running set stays in force" in error["message"]
    assert any(complaint in e for e in error["details"]["errors"])
    assert (await rules.rule_set())["version"] == before["version"]

    order = rules.order(items=rules.HIGH_VALUE)  # the running R11 still holds ¥2,599
    await rules.deliver(OrderPlaced(order=order))
    assert [a["rule_id"] for a in await rules.anomalies(order.order_id)] == ["R11"]


async def test_disable_and_enable_a_rule(restored: RulesHarness) -> None:
    rules = restored
    off = await rules.client.post("/v1/rules/R11/disable", json={"note": "临时关闭"}, headers=MANAGER)
    assert off.status_code == 200, off.text
    assert next(r for r in off.json()["rules"] if r["id"] == "R11")["enabled"] is False
    order = rules.order(items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    assert await rules.anomalies(order.order_id) == []
    assert await rules.outbox_types(order.order_id) == ["order.validated"]

    on = await rules.client.post("/v1/rules/R11/enable", headers=MANAGER)
    assert on.status_code == 200 and on.json()["version"] == off.json()["version"] + 1
    order = rules.order(items=rules.HIGH_VALUE)
    await rules.deliver(OrderPlaced(order=order))
    assert [a["rule_id"] for a in await rules.anomalies(order.order_id)] == ["R11"]

    history = (await rules.client.get("/v1/rules/history", params={"limit": 2}, headers=MANAGER)).json()
    assert [(h["change"], h["note"]) for h in history] == [("enabled R11", None), ("disabled R11", "临时关闭")]
    missing = await rules.client.post("/v1/rules/R99/disable", headers=MANAGER)
    assert missing.status_code == 404


async def test_stale_base_version_is_a_conflict(restored: RulesHarness) -> None:
    rules = restored
    current = await rules.rule_set()
    body = {"rules": current["rules"], "base_version": current["version"] - 1}
    response = await rules.client.put("/v1/rules", json=body, headers=MANAGER)
    assert response.status_code == 409 and response.json()["error"]["details"]["active_version"] == current["version"]


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("PUT", "/v1/rules", "local-cs"),
        ("POST", "/v1/rules/R11/disable", "local-ops"),
        ("POST", "/v1/rules/R11/enable", "local-cs"),
    ],
)
async def test_only_managers_change_rules(rules: RulesHarness, method: str, path: str, token: str) -> None:
    body = {"rules": []} if method == "PUT" else None
    response = await rules.client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


async def test_reading_the_rule_set_never_stores_one(rules: RulesHarness) -> None:
    """The defaults are stored at start-up only: with no active set, a read refuses (GET answers
    503 no_active_rule_set) and writes nothing. Done in a transaction that is rolled back."""
    async with rules.db.connect() as conn, conn.begin() as tx:
        await conn.execute(update(rule_sets).values(active=False))
        count = select(func.count()).select_from(rule_sets)
        before = (await conn.execute(count)).scalar_one()
        with pytest.raises(NoActiveRuleSet):
            await rulesets.active(conn)
        assert (await conn.execute(count)).scalar_one() == before
        await tx.rollback()
    assert (await rules.rule_set())["version"] >= 1
