"""The pure diff from the last applied state of a channel order to a fresh platform fetch."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ingest.channels.base import ChannelOrder
from ingest.channels.changes import KnownState, change_entry, diff, is_stale
from ingest.orders.model import PlaceOrder
from orderhub_contracts.address import Receiver
from orderhub_contracts.events import (
    OrderAddressChanged,
    OrderCancelled,
    OrderPaid,
    OrderRefunded,
    OrderRemarksChanged,
)
from orderhub_contracts.order import Channel, LineItem
from orderhub_contracts.timezone import SHANGHAI

T0 = datetime(2026, 11, 20, 14, 22, tzinfo=SHANGHAI)
HOME = Receiver(
    name="张三",
    phone="13812345678",
    province="浙江省",
    city="杭州市",
    district="西湖区",
    street="文三路",
    detail="100号",
)


def fetched(
    *,
    paid_at: datetime | None = None,
    receiver: Receiver = HOME,
    remark: str = "周末送货",
    memo: str = "",
    refunded: int = 0,
    cancelled: bool = False,
    at: datetime = T0,
) -> ChannelOrder:
    command = PlaceOrder(
        channel=Channel.TAOBAO,
        channel_order_no="4012345678901234",
        created_at=T0,
        receiver=receiver,
        paid_at=paid_at,
        buyer_remark=remark,
        seller_memo=memo,
        items=(LineItem(sku="HUM-4L", title="加湿器", quantity=2, unit_price_fen=10000, paid_fen=18000),),
        discount_fen=1000,
    )
    return ChannelOrder(command=command, platform_status="X", updated_at=at, cancelled=cancelled, refunded_fen=refunded)


KNOWN = KnownState(
    order_id="DABE20261120142201234",
    paid_at=None,
    receiver=HOME,
    buyer_remark="周末送货",
    seller_memo="",
    platform_updated_at=T0,
)


def test_the_same_state_changes_nothing() -> None:
    assert diff(KNOWN, fetched(), now=T0) == []


def test_payment_carries_the_paid_total_after_discounts() -> None:
    events = diff(KNOWN, fetched(paid_at=T0 + timedelta(minutes=3)), now=T0)
    assert events == [OrderPaid(order_id=KNOWN.order_id, paid_at=T0 + timedelta(minutes=3), paid_total_fen=17000)]
    assert change_entry(events[0]).summary == "已付款 ¥170.00"


def test_an_address_change_keeps_the_previous_receiver_and_masks_phones() -> None:
    moved = HOME.model_copy(update={"phone": "13900005678", "detail": "200号"})
    [event] = diff(KNOWN, fetched(receiver=moved, at=T0 + timedelta(hours=1)), now=T0)
    assert isinstance(event, OrderAddressChanged)
    assert (event.receiver, event.previous, event.changed_by) == (moved, HOME, "platform")
    assert event.changed_at == T0 + timedelta(hours=1)
    entry = change_entry(event)
    assert "139****5678" in entry.summary and "13900005678" not in str(entry.data)


def test_remark_or_memo_changes_are_one_event_with_both() -> None:
    [event] = diff(KNOWN, fetched(memo="送赠品"), now=T0)
    assert event == OrderRemarksChanged(order_id=KNOWN.order_id, buyer_remark="周末送货", seller_memo="送赠品")


def test_refunds_publish_the_newly_refunded_amount_and_cancellation_comes_last() -> None:
    known = replace(KNOWN, refunded_fen=5000)
    events = diff(known, fetched(refunded=17000, cancelled=True), now=T0)
    assert [type(e) for e in events] == [OrderRefunded, OrderCancelled]
    assert isinstance(events[0], OrderRefunded) and events[0].refund_fen == 12000
    # Once cancelled, a later fetch does not cancel again; a lower refund total is not a refund.
    settled = replace(KNOWN, refunded_fen=17000, cancelled=True)
    assert diff(settled, fetched(refunded=0, cancelled=True), now=T0) == []


def test_everything_at_once_in_platform_order() -> None:
    moved = HOME.model_copy(update={"detail": "200号"})
    events = diff(KNOWN, fetched(paid_at=T0, receiver=moved, memo="加急", refunded=100, cancelled=True), now=T0)
    assert [e.event_type for e in events] == [
        "order.paid",
        "order.address_changed",
        "order.remarks_changed",
        "order.refunded",
        "order.cancelled",
    ]


def test_staleness_is_judged_by_the_platform_modification_time() -> None:
    assert is_stale(KNOWN, fetched(at=T0 - timedelta(seconds=1)))
    assert not is_stale(KNOWN, fetched(at=T0))
    never_fetched = replace(KNOWN, platform_updated_at=None)
    assert not is_stale(never_fetched, fetched(at=T0 - timedelta(days=1)))
