"""The shipped rule set, run on real orders on both sides of every threshold."""

from __future__ import annotations

from typing import Any

import pytest
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.phone import mask_phone
from rules.default_rules import DEFAULT_RULES
from rules.engine.evaluate import Hit, evaluate
from rules.engine.facts import BASELINE_ORDER, baseline_facts, placement_facts
from rules.engine.ruleset import CompiledRuleSet, compile_rule_set

RULE_SET = compile_rule_set(1, DEFAULT_RULES)


def order(**changes: Any) -> CanonicalOrder:
    return BASELINE_ORDER.model_copy(update=changes)


def receiver(**changes: str) -> Any:
    return BASELINE_ORDER.receiver.model_copy(update=changes)


def line(quantity: int = 1, price: int = 19900, sku: str = "KT-1001", **extra: Any) -> LineItem:
    return LineItem(sku=sku, title="电水壶", quantity=quantity, unit_price_fen=price, **extra)


def hits(o: CanonicalOrder, rule_set: CompiledRuleSet = RULE_SET) -> dict[str, Hit]:
    return {h.rule.id: h for h in evaluate(rule_set, placement_facts(o))}


def test_default_rule_set_is_valid_and_a_clean_order_hits_nothing() -> None:
    assert [r.rule.id for r in RULE_SET.rules] == [
        *(f"R{n:02d}" for n in range(1, 13)),
        "R12-ADDR",
        *(f"R{n:02d}" for n in range(13, 18)),
    ]
    assert hits(BASELINE_ORDER) == {}


def test_levels_decide_holding() -> None:
    for compiled in RULE_SET.rules:
        rule = compiled.rule
        assert rule.holds == (rule.level >= 2)
        assert ("hold" in [a.kind for a in rule.actions]) == rule.holds


# ---- R11 大额订单 -------------------------------------------------------------------------
@pytest.mark.parametrize(("paid_fen", "fires"), [(199_999, False), (200_000, True), (350_000, True)])
def test_r11_paid_total_threshold(paid_fen: int, fires: bool) -> None:
    found = hits(order(items=(line(1, paid_fen),)))
    assert ("R11" in found) is fires
    if fires:
        assert found["R11"].rule.level == 2 and found["R11"].rule.holds
        assert found["R11"].evidence["paid_total_cny_fen"] == paid_fen


def test_r11_counts_what_is_paid_after_discount() -> None:
    assert "R11" not in hits(order(items=(line(1, 200_000),), discount_fen=1))


@pytest.mark.parametrize(("quantity", "fires"), [(9, False), (10, True)])
def test_r11_quantity_of_one_sku(quantity: int, fires: bool) -> None:
    assert ("R11" in hits(order(items=(line(quantity, 990),)))) is fires


def test_r11_quantity_adds_up_lines_of_the_same_sku() -> None:
    assert "R11" in hits(order(items=(line(5, 990), line(5, 990))))
    assert "R11" not in hits(order(items=(line(5, 990, sku="A"), line(5, 990, sku="B"))))


# ---- R06 收货信息缺失 ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "missing"),
    [({"name": ""}, ["name"]), ({"phone": ""}, ["phone"]), ({"street": "", "detail": ""}, ["address"])],
)
def test_r06_fires_on_each_missing_field(changes: dict[str, str], missing: list[str]) -> None:
    found = hits(order(receiver=receiver(**changes)))
    assert "R06" in found
    hit = found["R06"]
    assert hit.rule.level == 3 and hit.rule.holds
    assert hit.evidence == {"receiver_missing": missing}
    assert [(a.kind, a.target) for a in hit.rule.actions] == [("hold", ""), ("wecom", "regional_manager")]


def test_r06_quiet_when_receiver_complete() -> None:
    assert "R06" not in hits(BASELINE_ORDER)


# ---- R01 高风险地址 -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("detail", "phone", "fires"),
    [
        ("红星村三组12号", "5551234", True),
        ("李家屯8号", "0571-888", True),
        ("红星村三组12号", "13812345678", False),  # 11 digits
        ("文三路100号", "5551234", False),  # not a village address
        ("红星村三组12号", "", False),  # no phone at all is R06's case
    ],
)
def test_r01_village_address_with_odd_phone(detail: str, phone: str, fires: bool) -> None:
    found = hits(order(receiver=receiver(street="", detail=detail, phone=phone)))
    assert ("R01" in found) is fires
    if fires:
        assert found["R01"].rule.level == 3
        assert found["R01"].evidence["receiver_phone"] == mask_phone(phone)  # never the number itself


# ---- R10 价格异常 -------------------------------------------------------------------------
@pytest.mark.parametrize(("paid_fen", "fires"), [(9_949, True), (9_950, False), (0, True)])
def test_r10_paid_below_half_of_list_or_zero(paid_fen: int, fires: bool) -> None:
    found = hits(order(items=(line(1, 19_900, paid_fen=paid_fen),)))
    assert ("R10" in found) is fires
    if fires:
        assert found["R10"].rule.level == 3
        assert ("wecom", "ops_manager") in [(a.kind, a.target) for a in found["R10"].rule.actions]


# ---- R12 备注需关注 / R12-ADDR 备注要求改地址 -------------------------------------------------
def test_r12_any_remark_is_tagged_for_the_pick_list() -> None:
    found = hits(order(buyer_remark="需要开发票"))
    assert set(found) == {"R12"}
    assert found["R12"].rule.level == 1 and not found["R12"].rule.holds
    assert [(a.kind, a.target) for a in found["R12"].rule.actions] == [("tag", "pick_list")]
    assert "R12" in hits(order(seller_memo="送赠品"))


@pytest.mark.parametrize("remark", ["请改地址到上海", "地址写错了", "麻烦换个地址", "收货地址改成杭州"])
def test_r12_address_change_remark_holds_for_review(remark: str) -> None:
    found = hits(order(buyer_remark=remark))
    assert set(found) == {"R12-ADDR"}
    assert found["R12-ADDR"].rule.level == 2 and found["R12-ADDR"].rule.holds


def test_r12_quiet_without_remark() -> None:
    assert not {"R12", "R12-ADDR"} & set(hits(order(buyer_remark="  ", seller_memo="")))


# ---- R14 预售现货混合 ---------------------------------------------------------------------
def test_r14_presale_and_in_stock_mixed() -> None:
    found = hits(order(items=(line(), line(sku="PRE-1", presale=True))))
    assert set(found) == {"R14"} and not found["R14"].rule.holds
    assert "R14" not in hits(order(items=(line(sku="PRE-1", presale=True),)))
    assert "R14" not in hits(BASELINE_ORDER)


def test_several_rules_can_fire_on_one_order() -> None:
    found = hits(order(receiver=receiver(name=""), items=(line(1, 250_000),), buyer_remark="要发票"))
    assert set(found) == {"R06", "R11", "R12"}


# ---- every rule's own examples, as the validator runs them ---------------------------------
@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r["id"])
def test_each_rule_fires_on_its_example_and_not_on_its_counter_example(rule: dict[str, Any]) -> None:
    single = compile_rule_set(1, [rule])
    trigger = rule.get("on", ["order.placed"])[0]
    for example, fires in (("must_trigger", True), ("must_not_trigger", False)):
        overrides = rule["examples"][example]
        facts = {**baseline_facts(), "trigger": trigger, **overrides}
        found = evaluate(single, facts, overrides.get("trigger", trigger))
        assert bool(found) is fires, f"{rule['id']} {example}"


# ---- R01 with 10 vs 11 digits, R02 vague address, R03 invalid phone -------------------------
@pytest.mark.parametrize(("phone", "fires"), [("1381234567", True), ("13812345678", False), ("138123456789", True)])
def test_r01_village_address_10_vs_11_digits(phone: str, fires: bool) -> None:
    village = receiver(street="红星村", detail="三组12号", phone=phone)
    assert ("R01" in hits(order(receiver=village))) is fires


@pytest.mark.parametrize(
    ("changes", "fires"),
    [
        ({}, False),
        ({"province": "", "city": "", "district": "", "street": "浙江省杭州市西湖区文三路", "detail": "100号"}, False),
        ({"province": "浙江", "city": "杭州", "district": "西湖区"}, False),  # short names resolve too
        ({"city": "某市"}, True),  # city not in the province
        ({"district": "不存在区"}, True),
        ({"street": "", "detail": "1号"}, True),  # too short to deliver to
        ({"street": "文三路", "detail": "1号"}, False),
        ({"province": "河南省", "city": "济源市", "district": "", "street": "沁园街道"}, False),  # 省直辖县级市
        ({"province": "湖北", "city": "仙桃", "district": ""}, False),
        ({"province": "上海市", "city": "市辖区", "district": "浦东新区"}, False),
        ({"province": "北京", "city": "北京", "district": "朝阳区"}, False),
    ],
)
def test_r02_vague_address(changes: dict[str, str], fires: bool) -> None:
    assert ("R02" in hits(order(receiver=receiver(**changes)))) is fires


@pytest.mark.parametrize(
    ("phone", "fires"),
    [
        ("13812345678", False),
        ("+86 199-1234-5678", False),
        ("12012345678", True),  # no such mobile range
        ("057188886666", True),  # a landline
        ("1381234567", True),
        ("", False),  # missing: R06's case
    ],
)
def test_r03_phone_validity_from_libphonenumber(phone: str, fires: bool) -> None:
    assert ("R03" in hits(order(receiver=receiver(phone=phone)))) is fires


def test_address_and_phone_rules_are_for_mainland_orders() -> None:
    malaysia = order(
        channel=Channel.SHOPEE,
        currency="MYR",
        receiver=receiver(
            phone="60123456789", province="Selangor", city="Petaling Jaya", district="", street="Jalan SS2/24",
            detail="No. 12",
        ),
    )  # fmt: skip
    assert not {"R01", "R02", "R03", "R08"} & set(hits(malaysia))
    mainland = order(receiver=receiver(phone="60123456789", city="Petaling Jaya"))
    assert {"R02", "R03"} <= set(hits(mainland))
