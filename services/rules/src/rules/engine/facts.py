"""Facts: the named values a rule condition can use.

`FACTS` is the catalogue the validator checks names and example values against: the facts
derived from the order alone (`ORDER_FACTS`, produced by `order_facts`) and the context facts
of engine/catalogue.py (history, settings, timers, other services' events).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from orderhub_contracts.address import Receiver
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.phone import mask_phone, normalize_phone

from rules.engine.address import resolve_receiver
from rules.engine.catalogue import CONTEXT_DEFAULTS, CONTEXT_FACTS, FactSpec
from rules.engine.money import DEFAULT_RATES, ReferenceRates
from rules.engine.phones import is_mainland_mobile

_ELEVEN_DIGITS = re.compile(r"\d{11}")
# 村 and 屯 anywhere; 组 (a village group, 三组) but not 组团 (an urban housing estate).
_VILLAGE = re.compile(r"[村屯]|组(?!团)")

ORDER_FACTS: dict[str, FactSpec] = {
    "channel": FactSpec(str, "sales channel: phone, taobao, pinduoduo, douyin, shopee, miniprogram"),
    "shop_id": FactSpec(str, "the channel shop"),
    "currency": FactSpec(str, "ISO currency of the amounts, e.g. CNY"),
    "ships_to_mainland": FactSpec(bool, "a mainland China order (priced in CNY), not e.g. Shopee Malaysia"),
    "province": FactSpec(str, "receiver province as given"),
    "city": FactSpec(str, "receiver city as given"),
    "district": FactSpec(str, "receiver district as given"),
    "receiver_name": FactSpec(str, "receiver name, trimmed"),
    "receiver_phone": FactSpec(str, "receiver phone, normalised (separators and +86 removed)", phone=True),
    "receiver_address": FactSpec(str, "province + city + district + street + detail"),
    "receiver_detail": FactSpec(str, "street and detail part of the address (详细地址)"),
    "receiver_missing": FactSpec(list, "delivery fields that are empty: any of name, phone, address"),
    "phone_is_11_digits": FactSpec(bool, "the normalised phone is exactly 11 digits"),
    "phone_is_mainland_mobile": FactSpec(bool, "the phone is a valid mainland mobile number (libphonenumber data)"),
    "province_resolved": FactSpec(str, "official province name resolved from the fields or the text; '' if not"),
    "city_resolved": FactSpec(str, "official city name (a municipality is its own city); '' if not resolved"),
    "district_resolved": FactSpec(str, "official district/county name; '' if not resolved or the city has none"),
    "address_resolved": FactSpec(bool, "province, city and (where the city has any) district all resolved"),
    "street_length": FactSpec(int, "characters left of the address after the division names (street + detail)"),
    "address_problem": FactSpec(
        str,
        "why a courier could not deliver: which part failed (省份不存在, 城市不属于该省份, 区县不属于该城市, "
        "详细地址过短 ...); '' when deliverable",
        shown_with=("address_understood", "division_codes", "address_notes"),
    ),
    "address_understood": FactSpec(str, "the address as resolved: divisions (functional zones, towns), code, street"),
    "division_codes": FactSpec(list, "statistical division codes resolved: province, city, district ('' if none)"),
    "address_notes": FactSpec(list, "how names were read: old names (下城区 -> 拱墅区), zones the data set lacks"),
    "is_village_address": FactSpec(bool, "the detail address names a village: 村, 屯 or 组 (not 组团)"),
    "is_paid": FactSpec(bool, "the order has been paid"),
    "paid_total_fen": FactSpec(int, "amount the buyer pays, after line and order discounts (fen)"),
    "paid_total_cny_fen": FactSpec(int, "paid_total_fen in CNY fen at the reference rate (for yuan thresholds)"),
    "list_total_fen": FactSpec(int, "sum of quantity x unit list price (fen)"),
    "discount_fen": FactSpec(int, "order-level discount (fen)"),
    "line_count": FactSpec(int, "number of order lines"),
    "sku_count": FactSpec(int, "number of distinct SKUs"),
    "total_quantity": FactSpec(int, "units over all lines"),
    "max_sku_quantity": FactSpec(int, "largest number of units of one SKU (lines of the same SKU added up)"),
    "skus": FactSpec(list, "distinct SKUs, sorted"),
    "has_presale": FactSpec(bool, "at least one presale line"),
    "has_in_stock": FactSpec(bool, "at least one in-stock (not presale) line"),
    "buyer_remark": FactSpec(str, "buyer's remark (买家留言), trimmed"),
    "seller_memo": FactSpec(str, "seller's memo (卖家备注), trimmed"),
    "remark_text": FactSpec(str, "buyer remark and seller memo, one per line"),
    "has_remark": FactSpec(bool, "a buyer remark or a seller memo is present"),
}
FACTS: dict[str, FactSpec] = {**ORDER_FACTS, **CONTEXT_FACTS}


def order_facts(order: CanonicalOrder, rates: ReferenceRates = DEFAULT_RATES) -> dict[str, Any]:
    """Every fact in `ORDER_FACTS` for one order, amounts in yuan at `rates` (the service's
    configured ones). Pure and cheap: it runs once per order."""
    receiver = order.receiver
    place = resolve_receiver(receiver)
    detail = f"{receiver.street.strip()}{receiver.detail.strip()}"
    phone = normalize_phone(receiver.phone)
    per_sku: Counter[str] = Counter()
    has_presale = has_in_stock = False
    for item in order.items:
        per_sku[item.sku] += item.quantity
        if item.presale:
            has_presale = True
        else:
            has_in_stock = True
    buyer_remark = order.buyer_remark.strip()
    seller_memo = order.seller_memo.strip()
    return {
        "channel": order.channel.value,
        "shop_id": order.shop_id,
        "currency": order.currency,
        "ships_to_mainland": order.currency == "CNY",
        "province": receiver.province.strip(),
        "city": receiver.city.strip(),
        "district": receiver.district.strip(),
        "receiver_name": receiver.name.strip(),
        "receiver_phone": phone,
        "receiver_address": receiver.full_address.strip(),
        "receiver_detail": detail,
        "receiver_missing": receiver.missing_fields(),
        "phone_is_11_digits": _ELEVEN_DIGITS.fullmatch(phone) is not None,
        "phone_is_mainland_mobile": is_mainland_mobile(phone),
        "province_resolved": place.province,
        "city_resolved": place.city,
        "district_resolved": place.district,
        "address_resolved": place.resolved,
        "street_length": len(place.street),
        "address_problem": place.problem,
        "address_understood": place.summary(),
        "division_codes": list(place.codes),
        "address_notes": list(place.notes),
        "is_village_address": _VILLAGE.search(detail) is not None,
        "is_paid": order.is_paid,
        "paid_total_fen": order.paid_total_fen,
        "paid_total_cny_fen": rates.to_cny_fen(order.paid_total_fen, order.currency),
        "list_total_fen": order.list_total_fen,
        "discount_fen": order.discount_fen,
        "line_count": len(order.items),
        "sku_count": len(per_sku),
        "total_quantity": sum(per_sku.values()),
        "max_sku_quantity": max(per_sku.values()),
        "skus": sorted(per_sku),
        "has_presale": has_presale,
        "has_in_stock": has_in_stock,
        "buyer_remark": buyer_remark,
        "seller_memo": seller_memo,
        "remark_text": "\n".join(r for r in (buyer_remark, seller_memo) if r),
        "has_remark": bool(buyer_remark or seller_memo),
    }


def placement_facts(
    order: CanonicalOrder, context: Mapping[str, Any] | None = None, rates: ReferenceRates = DEFAULT_RATES
) -> dict[str, Any]:
    """Everything a rule may read when `order` arrives: its own facts, then the context facts
    (neutral defaults unless `context`, what the service knows from its history, says otherwise)."""
    return {**order_facts(order, rates), **CONTEXT_DEFAULTS, **(context or {})}


def conforms(name: str, value: Any) -> bool:
    """Whether `value` has the catalogue type of fact `name` (bool is not an int here)."""
    spec = FACTS[name]
    if spec.type is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if spec.type is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, spec.type)


def shown(name: str, value: Any) -> Any:
    """A fact value as it may appear in evidence and API answers (phones masked)."""
    spec = FACTS.get(name)
    if spec is not None and spec.phone and isinstance(value, str):
        return mask_phone(value)
    return value


# A clean, paid, ordinary order: rule examples are written as overrides of its facts.
BASELINE_ORDER = CanonicalOrder(
    order_id="DABE20260218142278901",
    channel=Channel.TAOBAO,
    channel_order_no="TB20260218142278901",
    shop_id="tb-main",
    created_at=datetime(2026, 2, 18, 6, 22, tzinfo=UTC),
    paid_at=datetime(2026, 2, 18, 6, 23, tzinfo=UTC),
    receiver=Receiver(
        name="张三",
        phone="13812345678",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        street="文三路",
        detail="100号5幢301室",
    ),
    items=(LineItem(sku="KT-1001", title="电水壶 1.7L", quantity=1, unit_price_fen=19900),),
)


def baseline_facts() -> dict[str, Any]:
    """The facts of a clean paid order at placement: what rule examples override."""
    return placement_facts(BASELINE_ORDER)
