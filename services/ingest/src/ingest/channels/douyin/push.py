"""Douyin push verification: `app-id` must be our app key and `event-sign` the md5 over the raw
body; the body is a JSON array of events whose `data` is a JSON string naming the order (`p_id`)
and shop. Every order event is a hint to refetch; events without an order are acknowledged."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from orderhub_contracts.order import Channel

from ingest.channels.base import OrderRef, PushNotice, PushRejected
from ingest.channels.douyin.signing import push_sign
from ingest.channels.signing import same_hex
from ingest.settings import ChannelConfig


def verify_push(config: ChannelConfig, headers: Mapping[str, str], body: bytes) -> list[PushNotice]:
    app_id = headers.get("app-id")
    signature = headers.get("event-sign")
    if not app_id or not signature:
        raise PushRejected("missing app-id or event-sign header", status=401)
    if app_id != config.app_key:
        raise PushRejected(f"app-id {app_id!r} is not this app", status=401)
    method = headers.get("sign-method", "md5").lower()
    if method != "md5":
        raise PushRejected(f"unsupported sign-method {method!r}", status=401)
    if not same_hex(push_sign(config.app_key, body, config.app_secret), signature):
        raise PushRejected("event-sign does not match the body", status=401)
    events = json.loads(body)
    if not isinstance(events, list):
        raise PushRejected("body is not a JSON array of events")
    return [n for n in (_notice(e) for e in events) if n is not None]


def _notice(event: Any) -> PushNotice | None:
    if not isinstance(event, Mapping):
        raise PushRejected("an event is not a JSON object")
    raw = event.get("data")
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(data, Mapping) or not data.get("p_id"):
        return None  # not about an order (e.g. a connectivity test)
    ref = OrderRef(Channel.DOUYIN, str(data.get("shop_id", "")), str(data["p_id"]))
    return PushNotice(ref, topic=str(event.get("tag", "")), msg_id=str(event.get("msg_id") or event.get("msgId") or ""))
