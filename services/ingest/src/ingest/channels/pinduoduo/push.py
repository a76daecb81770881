"""PDD message-service frames as pushes. The service authenticates the connection (the signed
`/message/{client_id}/{ts}/{sign}` path), not each frame, so the stream client seals each frame
(header `x-pdd-seal`, see `ingest.channels.stream`). Trade and refund messages name an order to refetch."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from orderhub_contracts.order import Channel

from ingest.channels.base import OrderRef, PushNotice, PushRejected
from ingest.channels.stream import check_seal, order_content, seal, shop_of
from ingest.settings import ChannelConfig

SEAL_HEADER = "x-pdd-seal"
FRAME_ID_HEADER = "x-pdd-frame-id"
ORDER_TYPE_PREFIXES = ("pdd_trade_", "pdd_refund_")


def sealed_headers(config: ChannelConfig, body: bytes, frame_id: str) -> dict[str, str]:
    return {SEAL_HEADER: seal(config, body), FRAME_ID_HEADER: frame_id}


def verify_push(config: ChannelConfig, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
    check_seal(config, headers, body, SEAL_HEADER, connection="message connection", kind="frame")
    frame = json.loads(body)
    if not isinstance(frame, Mapping) or frame.get("commandType") != "Common":
        raise PushRejected("not a message-service Common frame")
    message: Mapping[str, Any] = frame.get("message") or {}
    kind = str(message.get("type", ""))
    if not kind.startswith(ORDER_TYPE_PREFIXES):
        return []
    content = order_content(message.get("content"), kind)
    mall = str(message.get("mallID") or content.get("mall_id") or "")
    ref = OrderRef(Channel.PINDUODUO, shop_of(config, mall), str(content["tid"]))
    return [PushNotice(ref, topic=kind, msg_id=str(frame.get("id", "")))]
