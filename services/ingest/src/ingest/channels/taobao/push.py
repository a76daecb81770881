"""TMC messages as pushes. The stream client hands on each data message as the JSON of its fields
(id, topic, user_id, content, pub_time, ...). TMC authenticates the connection (app key + signed
CONNECT), not each message, so the client seals each message (header `x-tmc-seal`, see
`ingest.channels.stream`). Trade and refund topics name a trade to refetch; other topics are
acknowledged only."""

from __future__ import annotations

import json
from collections.abc import Mapping

from orderhub_contracts.order import Channel

from ingest.channels.base import OrderRef, PushNotice, PushRejected
from ingest.channels.stream import check_seal, order_content, seal, shop_of
from ingest.settings import ChannelConfig

SEAL_HEADER = "x-tmc-seal"
MESSAGE_ID_HEADER = "x-tmc-message-id"
ORDER_TOPIC_PREFIXES = ("taobao_trade_", "taobao_refund_")


def sealed_headers(config: ChannelConfig, body: bytes, message_id: str) -> dict[str, str]:
    return {SEAL_HEADER: seal(config, body), MESSAGE_ID_HEADER: message_id}


def verify_push(config: ChannelConfig, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
    check_seal(config, headers, body, SEAL_HEADER, connection="TMC connection", kind="message")
    message = json.loads(body)
    if not isinstance(message, Mapping) or not message.get("topic"):
        raise PushRejected("not a TMC data message")
    topic = str(message.get("topic", ""))
    if not topic.startswith(ORDER_TOPIC_PREFIXES):
        return []
    content = order_content(message.get("content"), topic)
    ref = OrderRef(Channel.TAOBAO, shop_of(config, str(message.get("user_id", ""))), str(content["tid"]))
    return [PushNotice(ref, topic=topic, msg_id=str(message.get("id", "")))]
