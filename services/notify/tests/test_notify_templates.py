"""Templates are data, validated when loaded and rendered with named variables (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from notify.templates.book import TemplateError, load_templates, parse_variables
from notify.templates.data import TEMPLATES
from notify.templates.variables import PROVIDED, anomaly_variables, carrier_name, dispatch_variables
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import AnomalyAction, AnomalyRaised, ShipmentDispatched


def _shipment(**overrides: Any) -> ShipmentDispatched:
    fields: dict[str, Any] = {
        "order_id": "DABE20261124093012345",
        "outbound_id": "OB20261124000001",
        "carrier": "SF",
        "waybill_no": "SF1234567890123",
        "receiver": Receiver(name="王小明", phone="13812345678", province="江苏省", detail="宝带西路100号"),
        "dispatched_at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    }
    return ShipmentDispatched(**(fields | overrides))


def _anomaly(*actions: AnomalyAction) -> AnomalyRaised:
    return AnomalyRaised(
        anomaly_id="a-1",
        order_id="DABE20261124093054321",
        rule_id="R10",
        rule_name="价格异常",
        level=3,
        holds=True,
        evidence={},
        actions=actions,
        province="广东省",
        customer_phone="13912345678",
    )


def test_the_shipped_templates_load() -> None:
    book = load_templates(TEMPLATES, PROVIDED)
    assert set(book) == {
        "shipment_dispatched",
        "order_refunded",
        "anomaly_sms",
        "anomaly_wecom",
        "order_cancelled",
        "coupon_issued",
        "coupon_refused_wecom",
        "wms_bridge_failed",
        "return_waybill",
        "return_rejected",
        "return_discrepancy",
    }
    assert book["shipment_dispatched"].channel == "sms"
    assert book["shipment_dispatched"].variables == ("order_id", "carrier", "waybill_no")
    assert book["order_refunded"].variables == ("order_id", "amount", "reason")


def test_a_variable_the_event_does_not_provide_is_refused_with_a_clear_message() -> None:
    entry = {
        "code": "shipment_link",
        "channel": "sms",
        "event": "shipment.dispatched",
        "text": "【订单中枢】运单{waybill_no}，查询：{tracking_url}",
    }
    with pytest.raises(TemplateError) as caught:
        load_templates([entry], PROVIDED)
    message = str(caught.value)
    assert "'shipment_link'" in message
    assert "{tracking_url}" in message and "shipment.dispatched does not provide" in message
    assert "waybill_no" in message, "the message lists what is available"


def test_every_problem_is_reported_at_once() -> None:
    entries: list[dict[str, Any]] = [
        {"code": "a", "channel": "fax", "event": "shipment.dispatched", "text": "x"},
        {"code": "b", "channel": "sms", "event": "order.teleported", "text": "x"},
        {"code": "c", "channel": "sms", "event": "anomaly.raised", "text": "{order_id"},
        {"code": "d", "channel": "sms", "event": "anomaly.raised", "text": "{}"},
        {"code": "e", "channel": "sms", "event": "anomaly.raised", "text": "{text!r}"},
        {"code": "f", "channel": "sms", "event": "anomaly.raised", "text": "{level:>3}"},
        {"code": "g", "channel": "sms", "event": "anomaly.raised", "text": "{order_id}"},
        {"code": "g", "channel": "sms", "event": "anomaly.raised", "text": "{order_id}"},
        {"code": "h", "channel": "sms", "event": "anomaly.raised", "text": "x", "extra": 1},
    ]
    with pytest.raises(TemplateError) as caught:
        load_templates(entries, PROVIDED)
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "template 'a'",
        "template 'b'",
        "template 'c'",
        "template 'd'",
        "template 'e'",
        "template 'f'",
        "template 'h'",
        "template 'g'",
    ]
    assert "unbalanced braces" in lines[2] and "plain named variable" in lines[3]
    assert "defined more than once" in lines[7]


def test_parse_variables_keeps_first_use_order_and_literal_braces() -> None:
    assert parse_variables("{b}{a}{b} {{literal}}") == ("b", "a")


def test_rendering_fills_variables_and_leaves_braces_in_values_alone() -> None:
    book = load_templates(TEMPLATES, PROVIDED)
    text = book["shipment_dispatched"].render(dispatch_variables(_shipment()))
    assert text == "【订单中枢】您的订单DABE20261124093012345已发货，顺丰速运运单号SF1234567890123，请注意查收。"
    anomaly = _anomaly(AnomalyAction(kind="wecom", target="ops_manager", text="实付为{0}，请核实"))
    wecom = book["anomaly_wecom"].render(anomaly_variables(anomaly, anomaly.actions[0]))
    assert wecom == "【订单异常·拦截】价格异常（R10，3级）\n订单：DABE20261124093054321\n实付为{0}，请核实"


def test_sms_params_are_only_the_variables_the_template_uses() -> None:
    template = load_templates(TEMPLATES, PROVIDED)["shipment_dispatched"]
    params = template.params(dispatch_variables(_shipment(carrier="ZTO")))
    assert params == {"order_id": "DABE20261124093012345", "carrier": "中通快递", "waybill_no": "SF1234567890123"}


def test_rendering_without_a_needed_value_says_which() -> None:
    template = load_templates(TEMPLATES, PROVIDED)["shipment_dispatched"]
    with pytest.raises(TemplateError, match="waybill_no"):
        template.render({"order_id": "x", "carrier": "y"})


def test_require_checks_channel_and_event() -> None:
    book = load_templates(TEMPLATES, PROVIDED)
    with pytest.raises(TemplateError, match="expected wecom"):
        book.require("anomaly_sms", channel="wecom", event_type="anomaly.raised")
    with pytest.raises(KeyError, match="loaded: anomaly_sms"):
        book.require("nope", channel="sms", event_type="anomaly.raised")


def test_context_builders_fill_exactly_what_validation_allows() -> None:
    action = AnomalyAction(kind="sms", target="customer", text="您的订单即将关闭，请及时付款")
    assert set(dispatch_variables(_shipment())) == PROVIDED["shipment.dispatched"]
    assert set(anomaly_variables(_anomaly(action), action)) == PROVIDED["anomaly.raised"]


def test_an_action_without_text_falls_back_to_the_rule_name() -> None:
    action = AnomalyAction(kind="wecom", target="ops_manager")
    assert anomaly_variables(_anomaly(action), action)["text"] == "价格异常"


def test_unknown_carrier_codes_are_shown_as_given() -> None:
    assert carrier_name("sf") == "顺丰速运"
    assert carrier_name("DBL") == "DBL"
