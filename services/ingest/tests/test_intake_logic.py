"""Pure parts of intake: request validation and mapping, resubmission comparison, timeline text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ingest.api.orders import to_command
from ingest.api.schemas import PlaceOrderRequest
from ingest.orders.compare import material_differences
from ingest.timeline import entry_for, placed_entry
from orderhub_contracts.events import AnomalyRaised, NotificationSent, OrderPlaced, ShipmentCreated
from orderhub_contracts.ids import base_order_id
from orderhub_contracts.timezone import SHANGHAI
from pydantic import ValidationError


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel_order_no": "TEL2026021878901",
        "created_at": "2026-02-18T14:22:00",
        "paid_at": "2026-02-18T14:25:00+08:00",
        "receiver": {
            "name": "张三",
            "phone": "+86 138-1234-5678",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路",
            "detail": "100号",
        },
        "items": [{"sku": "AC-1001", "title": "空调", "quantity": 2, "unit_price_fen": 259900}],
        "buyer_remark": "周末送货",
    }
    data.update(overrides)
    return data


def test_naive_created_at_is_shanghai_wall_time_and_phone_is_normalised() -> None:
    command = to_command(PlaceOrderRequest.model_validate(body()), entered_by="客服A")
    assert command.created_at == datetime(2026, 2, 18, 14, 22, tzinfo=SHANGHAI)
    assert command.receiver.phone == "13812345678"
    order = command.to_order(base_order_id(command.created_at, command.channel_order_no))
    assert order.order_id == "DABE20260218142278901"
    assert order.list_total_fen == 519800


def test_utc_created_at_is_converted() -> None:
    command = to_command(
        PlaceOrderRequest.model_validate(body(created_at="2026-02-18T06:22:30Z", paid_at=None)), entered_by=""
    )
    assert base_order_id(command.created_at, "DY20260218142278901") == "DABE20260218142278901"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"sku": "A", "title": "t", "quantity": 0, "unit_price_fen": 1}]}, "quantity"),
        ({"items": [{"sku": "A", "title": "t", "quantity": 1, "unit_price_fen": -1}]}, "unit_price_fen"),
        ({"items": [{"sku": "A", "title": "t", "quantity": 1, "unit_price_fen": 1.5}]}, "unit_price_fen"),
        ({"items": [{"sku": "A", "title": "t", "quantity": 1, "unit_price_fen": "100"}]}, "unit_price_fen"),
        ({"items": [{"sku": " ", "title": "t", "quantity": 1, "unit_price_fen": 1}]}, "sku"),
        ({"itmes": []}, "itmes"),
        ({"channel": "wechat"}, "channel"),
        ({"channel_order_no": "TEL 1/2"}, "channel_order_no"),
        ({"paid_at": "2026-02-18T14:00:00"}, "paid_at"),
        ({"created_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "created_at"),
        ({"created_at": "0226-02-18T14:22:00", "paid_at": None}, "created_at"),
        ({"buyer_remark": "周末\x00送货"}, "buyer_remark"),
        ({"receiver": {"detail": "\x00"}}, "receiver.detail"),
    ],
)
def test_bad_bodies_are_refused(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        PlaceOrderRequest.model_validate(body(**overrides))
    assert any(field in ".".join(str(p) for p in err["loc"]) for err in info.value.errors())


def test_empty_or_missing_receiver_is_accepted() -> None:
    assert to_command(PlaceOrderRequest.model_validate(body(receiver=None)), entered_by="").receiver.missing_fields()
    request = PlaceOrderRequest.model_validate(body(receiver={"name": "", "phone": ""}))
    assert to_command(request, entered_by="").receiver.phone == ""


def test_resubmission_comparison() -> None:
    first = to_command(PlaceOrderRequest.model_validate(body()), entered_by="a").to_order("X")
    retry = to_command(PlaceOrderRequest.model_validate(body(buyer_remark="改了备注")), entered_by="b").to_order("X")
    assert material_differences(first, retry) == []
    items = [{"sku": "AC-1001", "title": "空调", "quantity": 3, "unit_price_fen": 259900}]
    changed = to_command(
        PlaceOrderRequest.model_validate(body(items=items, receiver={"name": "李四"})), entered_by=""
    ).to_order("X")
    assert material_differences(first, changed) == ["items", "receiver"]


def test_timeline_text_masks_phone_numbers() -> None:
    order = to_command(PlaceOrderRequest.model_validate(body()), entered_by="客服A").to_order("DABE1")
    placed = placed_entry(OrderPlaced(order=order), entered_by="客服A")
    assert placed.summary.startswith("订单已创建: 电话下单 TEL2026021878901, 共 2 件, 应付 ¥5198.00, 已付")
    sent = entry_for(
        NotificationSent(
            message_id="m1",
            order_id="DABE1",
            channel="sms",
            template="shipped",
            recipient_masked="138****5678",
            text="尊敬的客户13812345678, 您的订单已发货",
            provider="fake",
        )
    )
    assert sent.summary == "短信已发送: 尊敬的客户138****5678, 您的订单已发货"
    shipped = entry_for(
        ShipmentCreated(
            order_id="DABE1",
            outbound_id="OB1",
            carrier="SF",
            waybill_no="SF123",
            receiver=order.receiver,
            items=order.items,
        )
    )
    assert "13812345678" not in str(shipped.data) and shipped.data["waybill_no"] == "SF123"
    anomaly = entry_for(
        AnomalyRaised(
            anomaly_id="a1",
            order_id="DABE1",
            rule_id="R06",
            rule_name="收货信息缺失",
            level=3,
            holds=True,
            evidence={"phone": "13812345678"},
            customer_phone="13812345678",
        )
    )
    assert anomaly.summary == "异常 R06 收货信息缺失 (级别 3 拦截, 订单暂停)"
    assert anomaly.data["evidence"] == {"phone": "138****5678"} and "customer_phone" not in anomaly.data
