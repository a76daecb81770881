from datetime import UTC, datetime

import pytest
from orderhub_contracts.address import Receiver
from orderhub_contracts.envelope import InvalidEnvelope, decode, decode_headers, encode
from orderhub_contracts.events import OrderPlaced, UnknownEventType, parse_event, to_envelope
from orderhub_contracts.order import CanonicalOrder, Channel, LineItem
from orderhub_contracts.topics import Topic, all_topic_names, resolve_topic


def _order() -> CanonicalOrder:
    return CanonicalOrder(
        order_id="DABE20260218142278901",
        channel=Channel.DOUYIN,
        channel_order_no="DY20260218142278901",
        created_at=datetime(2026, 2, 18, 6, 22, tzinfo=UTC),
        receiver=Receiver(name="李四", phone="13912345678", province="江苏省", detail="星湖街1号"),
        items=(LineItem(sku="HUM-01", title="加湿器", quantity=2, unit_price_fen=12900),),
        buyer_remark="请勿周末送货",
    )


def test_binary_mode_round_trip() -> None:
    envelope = to_envelope(OrderPlaced(order=_order()), source="orderhub/ingest", correlation_id="c-1")
    record = encode(envelope)
    headers = decode_headers(record.headers)
    assert record.key == b"DABE20260218142278901"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == "order.placed"
    assert headers["ce_subject"] == "DABE20260218142278901"
    assert headers["content-type"] == "application/json"
    assert headers["ce_correlationid"] == "c-1"
    back = decode(record.key, record.value, record.headers)
    assert back == envelope
    event = parse_event(back)
    assert isinstance(event, OrderPlaced)
    assert event.order.buyer_remark == "请勿周末送货"
    assert event.order.list_total_fen == 25800


def test_missing_headers_and_bad_values_are_invalid() -> None:
    with pytest.raises(InvalidEnvelope, match="ce_specversion"):
        decode(b"k", b"{}", [])
    with pytest.raises(InvalidEnvelope, match="ce_id"):
        decode(b"k", b"{}", [("ce_specversion", b"1.0")])
    record = encode(to_envelope(OrderPlaced(order=_order()), source="s"))
    with pytest.raises(InvalidEnvelope, match="JSON"):
        decode(record.key, b"not json", record.headers)


def test_unknown_event_type() -> None:
    envelope = to_envelope(OrderPlaced(order=_order()), source="s").model_copy(update={"type": "order.exploded"})
    with pytest.raises(UnknownEventType):
        parse_event(envelope)


def test_unknown_topics_are_refused() -> None:
    assert resolve_topic(Topic.ORDERS.value, "t1.") == "t1.orders.v1"
    assert "dlq.rules.v1" in all_topic_names()
    with pytest.raises(ValueError, match="unknown topic"):
        resolve_topic("order.v1")
