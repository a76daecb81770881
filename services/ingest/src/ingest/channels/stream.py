"""What the WebSocket channels (Taobao TMC, PDD message service) share when their stream client hands a
message on as a push. The platform authenticates the connection, not each message, so the stream client
seals every message it received on that authenticated connection with an HMAC-SHA256 under our app
secret: a message without a valid seal did not come from the platform and is rejected, and an archived
one can be re-verified on replay."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ingest.channels.base import PushRejected
from ingest.channels.signing import hmac_sha256_hex, same_hex
from ingest.settings import ChannelConfig


def seal(config: ChannelConfig, body: bytes) -> str:
    return hmac_sha256_hex(config.app_secret.encode(), body)


def check_seal(
    config: ChannelConfig, headers: Mapping[str, str], body: bytes, header: str, *, connection: str, kind: str
) -> None:
    """Reject `body` unless `header` carries its seal; `connection` and `kind` word the reason."""
    given = headers.get(header)
    if not given:
        raise PushRejected(f"missing {header}: not received on the authenticated {connection}", status=401)
    if not same_hex(seal(config, body), given):
        raise PushRejected(f"{header} does not match the {kind}", status=401)


def shop_of(config: ChannelConfig, account_id: str) -> str:
    """The platform account (TMC user_id, PDD mall) as one of our configured shops; with a single shop
    (one access token), that shop."""
    if account_id in config.shop_ids or len(config.shop_ids) != 1:
        return account_id
    return config.shop_ids[0]


def order_content(raw: Any, kind: str) -> Mapping[str, Any]:
    """The message content (a JSON string or an object) of an order message; it must name a `tid`."""
    content = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(content, Mapping) or not content.get("tid"):
        raise PushRejected(f"{kind} message without a tid")
    return content
