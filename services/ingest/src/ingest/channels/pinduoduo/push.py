"""PDD message-service frames as pushes. The service authenticates the connection (the signed
`/message/{client_id}/{ts}/{sign}` path), not each frame, so the stream client seals every frame it
received on that connection with an HMAC-SHA256 under our client secret (header `x-pdd-seal`): a
frame without a valid seal did not come from the message service and is rejected, and an archived
one can be re-verified on replay. Trade and refund messages name an order to refetch."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from orderhub_contracts.order import Channel

from ingest.channels.base import OrderRef, PushNotice, PushRejected
from ingest.channels.signing import hmac_sha256_hex, same_hex
from ingest.settings import ChannelConfig

SEAL_HEADER = "x-pdd-seal"
FRAME_ID_HEADER = "x-pdd-frame-id"
ORDER_TYPE_PREFIXES = ("pdd_trade_", "pdd_refund_")


def seal(config: ChannelConfig, body: bytes) -> str:
    return hmac_sha256_hex(config.app_secret.encode(), body)


def sealed_headers(config: ChannelConfig, body: bytes, frame_id: str) -> dict[str, str]:
    return {SEAL_HEADER: seal(config, body), FRAME_ID_HEADER: frame_id}


def shop_of(config: ChannelConfig, mall_id: str) -> str:
    """The mall as one of our configured shops; with a single shop (one access token), that shop."""
    if mall_id in config.shop_ids or len(config.shop_ids) != 1:
        return mall_id
    return config.shop_ids[0]


def verify_push(config: ChannelConfig, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
    given = headers.get(SEAL_HEADER)
    if not given:
        raise PushRejected("missing x-pdd-seal: not received on the authenticated message connection", status=401)
    if not same_hex(seal(config, body), given):
        raise PushRejected("x-pdd-seal does not match the frame", status=401)
    frame = json.loads(body)
    if not isinstance(frame, Mapping) or frame.get("commandType") != "Common":
        raise PushRejected("not a message-service Common frame")
    message: Mapping[str, Any] = frame.get("message") or {}
    kind = str(message.get("type", ""))
    if not kind.startswith(ORDER_TYPE_PREFIXES):
        return []
    raw = message.get("content")
    content = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(content, Mapping) or not content.get("tid"):
        raise PushRejected(f"{kind} message without a tid")
    mall = str(message.get("mallID") or content.get("mall_id") or "")
    ref = OrderRef(Channel.PINDUODUO, shop_of(config, mall), str(content["tid"]))
    return [PushNotice(ref, topic=kind, msg_id=str(frame.get("id", "")))]
