"""What the Douyin simulator holds: shop orders as order.orderDetail returns them (receiver fields
encrypted, with their plaintext kept for order.batchDecrypt) and the push channel to the integrator."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from orderhub_simulators.channels.douyin.pushes import HttpPusher, Push

APP_KEY, APP_SECRET, ACCESS_TOKEN = "local-douyin", "local-douyin-secret", "local-douyin-token"
SHOP_ID = "local-douyin-shop"
PUSH_URL = "http://127.0.0.1:8001/webhooks/douyin"
# Message tags (抖店消息推送). Only the names are documented in the sources we have; the numbers
# follow common integrations: 100 TradeCreate, 101 TradePaid, 102 SellerShip, 103 Canceled.
TAGS = {"create": "100", "paid": "101", "ship": "102", "cancel": "103", "address": "105", "memo": "113"}


def push_sign(app_key: str, body: bytes, app_secret: str) -> str:
    return hashlib.md5(app_key.encode() + body + app_secret.encode(), usedforsecurity=False).hexdigest()


def _cipher() -> str:
    return f"#{secrets.token_urlsafe(12)}#{secrets.token_urlsafe(24)}=*CgwIARCtHBiqIC#1##"


def _mask(value: str) -> str:
    return value[:1] + "*" * max(len(value) - 2, 1) + value[-1:] if len(value) > 2 else "*" * len(value)


@dataclass
class DouyinState:
    app_key: str = APP_KEY
    app_secret: str = APP_SECRET
    access_token: str = ACCESS_TOKEN
    shop_id: str = SHOP_ID
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    plaintext: dict[str, str] = field(default_factory=dict)  # cipher text -> plain text
    pusher: HttpPusher = field(default_factory=lambda: HttpPusher(PUSH_URL))
    _msg_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time() * 1000)))

    def encrypt(self, value: str) -> str:
        cipher = _cipher()
        self.plaintext[cipher] = value
        return cipher

    def store(self, detail: dict[str, Any]) -> dict[str, Any]:
        """Store an order given with plaintext receiver fields, as the platform keeps it: name, phone
        and detail address encrypted (and masked); update_time set to now unless given."""
        order = copy.deepcopy(detail)
        order.setdefault("shop_id", self.shop_id)
        order.setdefault("update_time", int(time.time()))
        for clear, encrypted, masked in (
            ("post_receiver", "encrypt_post_receiver", "mask_post_receiver"),
            ("post_tel", "encrypt_post_tel", "mask_post_tel"),
        ):
            if order.get(clear):
                value = str(order.pop(clear))
                order[encrypted], order[masked] = self.encrypt(value), _mask(value)
        addr = order.get("post_addr") or {}
        if addr.get("detail"):
            value = str(addr.pop("detail"))
            addr["encrypt_detail"], order["mask_post_addr"] = self.encrypt(value), {**addr, "detail": _mask(value)}
        self.orders[str(order["order_id"])] = order
        return order

    def push_body(self, order: dict[str, Any], tag: str) -> tuple[str, bytes]:
        msg_id = str(next(self._msg_ids))
        data = {
            "p_id": int(order["order_id"]) if str(order["order_id"]).isdigit() else order["order_id"],
            "s_ids": [s.get("order_id") for s in order.get("sku_order_list") or []],
            "shop_id": order.get("shop_id", self.shop_id),
            "order_status": order.get("order_status"),
            "order_type": order.get("order_type", 0),
            "biz": 2,
            "create_time": order.get("create_time"),
            "update_time": order.get("update_time"),
        }
        events = [{"tag": tag, "msg_id": msg_id, "data": json.dumps(data, ensure_ascii=False)}]
        return msg_id, json.dumps(events, ensure_ascii=False).encode()

    def signed_push(self, order: dict[str, Any], tag: str) -> Push:
        msg_id, body = self.push_body(order, tag)
        headers = {"app-id": self.app_key, "event-sign": push_sign(self.app_key, body, self.app_secret)}
        return Push(msg_id, body, headers)

    async def put_order(self, detail: dict[str, Any], event: str = "create") -> str:
        """Store (or replace) an order and push the event about it; returns the push's msg_id."""
        order = self.store(detail)
        push = self.signed_push(order, TAGS.get(event, event))
        await self.pusher.push(push)
        return push.id
