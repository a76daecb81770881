"""Shopee push verification: `Authorization` must be the HMAC over callback URL + "|" + the RAW body
(never a re-serialised JSON). The body is one JSON object {shop_id, code, timestamp, data, msg_id};
order pushes (code 3 order status, 4 tracking number) name the order in `data.ordersn` and are hints
to refetch. Other codes (shop authorisation, item bans, ...) are acknowledged without a fetch."""

from __future__ import annotations

from collections.abc import Mapping

from orderhub_contracts.order import Channel

from ingest.channels.base import OrderRef, PushNotice, PushRejected
from ingest.channels.convert import loads_exact
from ingest.channels.shopee.signing import push_sign
from ingest.channels.signing import same_hex
from ingest.settings import ChannelConfig

ORDER_STATUS_PUSH, ORDER_TRACKING_PUSH = 3, 4
ORDER_CODES = frozenset({ORDER_STATUS_PUSH, ORDER_TRACKING_PUSH})


def verify_push(config: ChannelConfig, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
    signature = headers.get("authorization")
    if not signature:
        raise PushRejected("missing Authorization header", status=401)
    expected = push_sign(config.options["callback_url"], body, config.app_secret)
    if not same_hex(expected, signature):
        raise PushRejected("Authorization does not match callback URL + body", status=401)
    push = loads_exact(body)
    if not isinstance(push, Mapping):
        raise PushRejected("body is not a JSON object")
    code = int(push["code"])
    if code not in ORDER_CODES:
        return []
    data = push.get("data")
    if not isinstance(data, Mapping) or not data.get("ordersn"):
        raise PushRejected(f"order push (code {code}) without data.ordersn")
    shop_id = str(push.get("shop_id") or config.options.get("shop_id", ""))
    ref = OrderRef(Channel.SHOPEE, shop_id, str(data["ordersn"]))
    return [PushNotice(ref, topic=f"code {code} {data.get('status', '')}".strip(), msg_id=str(push.get("msg_id", "")))]
