"""What the Pinduoduo simulator holds: orders as order.information.get returns them (PII encrypted
in the platform's ~…~ / $…$ format, with *_mask copies), the plaintexts behind the ciphertexts,
and the message hub."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from orderhub_simulators.channels.taobao.hub import MessageHub

GMT8 = timezone(timedelta(hours=8))
CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN = "local-pinduoduo", "local-pinduoduo-secret", "local-pinduoduo-token"
MALL_ID = 100200300
# Encrypted PII fields: the wrapper character and the decrypt.batch data_type the platform reports.
_ENCRYPTED = {"receiver_name": ("~", 5), "receiver_phone": ("$", 6), "address": ("~", 7), "receiver_address": ("~", 8)}


def now_text() -> str:
    return datetime.now(GMT8).strftime("%Y-%m-%d %H:%M:%S")


def _mask(value: str) -> str:
    if len(value) <= 2:
        return value[:1] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


@dataclass
class PddState:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    access_token: str = ACCESS_TOKEN
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    plaintexts: dict[str, tuple[str, int]] = field(default_factory=dict)  # ciphertext -> (plaintext, data_type)
    hub: MessageHub = field(default_factory=MessageHub)

    def encrypt(self, info: dict[str, Any]) -> dict[str, Any]:
        out = dict(info)
        for name, (wrap, data_type) in _ENCRYPTED.items():
            plain = str(info.get(name) or "")
            if not plain:
                continue
            token = base64.b64encode(f"{info['order_sn']}:{name}".encode()).decode()
            cipher = f"{wrap}{token}{wrap}{data_type:02d}{wrap}0{wrap}{wrap}"
            self.plaintexts[cipher] = (plain, data_type)
            out[name], out[f"{name}_mask"] = cipher, _mask(plain)
        return out

    def put_order(self, info: dict[str, Any], message_type: str, mall_id: int = MALL_ID) -> int:
        """Store (or replace) an order (plain PII given; kept encrypted) and publish a message."""
        stored = self.encrypt(info)
        stored.setdefault("updated_at", now_text())
        self.orders[str(info["order_sn"])] = stored
        content = json.dumps({"mall_id": mall_id, "tid": str(info["order_sn"])})
        return self.hub.publish(
            {"type": message_type, "mallID": mall_id, "content": content, "sendTime": int(time.time() * 1000)}
        )
