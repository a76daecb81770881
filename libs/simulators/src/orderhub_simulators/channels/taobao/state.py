"""What the Taobao simulator holds: trades by tid (as fullinfo returns them), the OAID receivers,
and the TMC hub."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from orderhub_simulators.channels.taobao.hub import MessageHub

GMT8 = timezone(timedelta(hours=8))
APP_KEY, APP_SECRET, SESSION = "local-taobao", "local-taobao-secret", "local-taobao-session"
SELLER_ID, SELLER_NICK = "local-taobao-shop", "本地测试店"


def now_text() -> str:
    return datetime.now(GMT8).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class TaobaoState:
    app_key: str = APP_KEY
    app_secret: str = APP_SECRET
    session: str = SESSION
    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    receivers: dict[str, dict[str, Any]] = field(default_factory=dict)  # oaid -> plaintext receiver
    hub: MessageHub = field(default_factory=MessageHub)

    def put_trade(self, trade: dict[str, Any], topic: str, seller_id: str = SELLER_ID) -> int:
        """Store (or replace) a trade and publish a TMC message about it; returns the message id."""
        tid = str(trade.get("tid_str") or trade["tid"])
        trade.setdefault("modified", now_text())
        self.trades[tid] = trade
        content = {
            "tid": int(tid) if tid.isdigit() else tid,
            "oid": tid,
            "seller_nick": SELLER_NICK,
            "payment": trade.get("payment", ""),
            "status": trade.get("status", ""),
            "type": "fixed",
        }
        return self.hub.publish(
            {
                "topic": topic,
                "user_id": seller_id,
                "user_nick": SELLER_NICK,
                "pub_time": now_text(),
                "content": json.dumps(content, ensure_ascii=False),
            }
        )
