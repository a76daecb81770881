"""TMC messages as pushes. The stream client hands on each data message as the JSON of its fields
(id, topic, user_id, content, pub_time, ...). TMC authenticates the connection (app key + signed
CONNECT), not each message, so the client seals every message it received on that authenticated
connection with an HMAC-SHA256 under our app secret (header `x-tmc-seal`): a message without a
valid seal did not come from TMC and is rejected, and an archived one can be re-verified on
replay. Trade and refund topics name a trade to refetch; other topics are acknowledged only."""

from __future__ import annotations

import json
from collections.abc import Mapping

from orderhub_contracts.order import Channel

from ingest.channels.base import OrderRef, PushNotice, PushRejected
from ingest.channels.signing import hmac_sha256_hex, same_hex
from ingest.settings import ChannelConfig

SEAL_HEADER = "x-tmc-seal"
MESSAGE_ID_HEADER = "x-tmc-message-id"
ORDER_TOPIC_PREFIXES = ("taobao_trade_", "taobao_refund_")


def seal(config: ChannelConfig, body: bytes) -> str:
    return hmac_sha256_hex(config.app_secret.encode(), body)


def sealed_headers(config: ChannelConfig, body: bytes, message_id: str) -> dict[str, str]:
    return {SEAL_HEADER: seal(config, body), MESSAGE_ID_HEADER: message_id}


def shop_of(config: ChannelConfig, user_id: str) -> str:
    """The seller (TMC user_id) as one of our configured shops; with a single shop, that shop."""
    if user_id in config.shop_ids or len(config.shop_ids) != 1:
        return user_id
    return config.shop_ids[0]


def verify_push(config: ChannelConfig, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
    given = headers.get(SEAL_HEADER)
    if not given:
        raise PushRejected("missing x-tmc-seal: not received on the authenticated TMC connection", status=401)
    if not same_hex(seal(config, body), given):
        raise PushRejected("x-tmc-seal does not match the message", status=401)
    message = json.loads(body)
    if not isinstance(message, Mapping) or not message.get("topic"):
        raise PushRejected("not a TMC data message")
    topic = str(message.get("topic", ""))
    if not topic.startswith(ORDER_TOPIC_PREFIXES):
        return []
    raw = message.get("content")
    content = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(content, Mapping) or not content.get("tid"):
        raise PushRejected(f"{topic} message without a tid")
    ref = OrderRef(Channel.TAOBAO, shop_of(config, str(message.get("user_id", ""))), str(content["tid"]))
    return [PushNotice(ref, topic=topic, msg_id=str(message.get("id", "")))]
