"""What the Shopee simulator holds: orders as get_order_detail returns them (amounts as JSON
decimals in MYR) and the push channel to the integrator's callback URL."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from orderhub_simulators.channels.douyin.pushes import HttpPusher, Push

PARTNER_ID, PARTNER_KEY, SHOP_ID = 100001, "local-shopee-secret", 200001
ACCESS_TOKEN = "local-shopee-token"
CALLBACK_URL = "http://127.0.0.1:8001/webhooks/shopee"
ORDER_STATUS_PUSH = 3


def push_sign(callback_url: str, body: bytes, partner_key: str) -> str:
    return hmac.new(partner_key.encode(), callback_url.encode() + b"|" + body, hashlib.sha256).hexdigest()


@dataclass
class ShopeeState:
    partner_id: int = PARTNER_ID
    partner_key: str = PARTNER_KEY
    shop_id: int = SHOP_ID
    access_token: str = ACCESS_TOKEN
    callback_url: str = CALLBACK_URL  # signed into each push; exactly as registered
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    pusher: HttpPusher = field(default_factory=lambda: HttpPusher(CALLBACK_URL))
    _msg_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time() * 1000)))

    def store(self, order: dict[str, Any]) -> dict[str, Any]:
        stored = copy.deepcopy(order)
        stored.setdefault("update_time", int(time.time()))
        stored.setdefault("currency", "MYR")
        stored.setdefault("region", "MY")
        self.orders[str(stored["order_sn"])] = stored
        return stored

    def signed_push(self, order: dict[str, Any], code: int = ORDER_STATUS_PUSH) -> Push:
        msg_id = f"{next(self._msg_ids):x}"
        data = {
            "ordersn": order["order_sn"],
            "status": order.get("order_status", ""),
            "update_time": order.get("update_time"),
            "completed_scenario": "",
        }
        push = {"msg_id": msg_id, "data": data, "shop_id": self.shop_id, "code": code, "timestamp": int(time.time())}
        body = json.dumps(push, separators=(",", ":")).encode()
        return Push(msg_id, body, {"authorization": push_sign(self.callback_url, body, self.partner_key)})

    async def put_order(self, order: dict[str, Any], code: int = ORDER_STATUS_PUSH) -> str:
        """Store (or replace) an order and push its status change; returns the push's msg_id."""
        push = self.signed_push(self.store(order), code)
        await self.pusher.push(push)
        return push.id
