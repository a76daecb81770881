"""What the WeChat simulator holds: login codes waiting for code2session, and the merchant whose
payments it notifies (appid, mchid, APIv3 key, notify URL)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from orderhub_simulators.channels.douyin.pushes import HttpPusher, Push
from orderhub_simulators.channels.miniprogram import wechatpay

APPID, APP_SECRET = "local-miniprogram", "local-miniprogram-secret"
MCH_ID, APIV3_KEY = "1900000109", "local-miniprogram-apiv3-key-0032"
NOTIFY_URL = "http://127.0.0.1:8001/webhooks/wechatpay"
INGEST_URL = "http://127.0.0.1:8001"  # where simulated customers call OrderHub's mini-program API


@dataclass
class WeixinState:
    appid: str = APPID
    app_secret: str = APP_SECRET
    mch_id: str = MCH_ID
    apiv3_key: str = APIV3_KEY
    codes: dict[str, str] = field(default_factory=dict)  # unused wx.login code -> openid
    payments: list[dict[str, object]] = field(default_factory=list)
    ingest_url: str = INGEST_URL
    merchant_public_key_pem: str = wechatpay.DEV_MERCHANT_PUBLIC_KEY  # checks the merchant's API calls
    prepays: dict[str, dict[str, Any]] = field(default_factory=dict)  # out_trade_no -> JSAPI order
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)  # out_trade_no -> paid transaction
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # out_refund_no -> refund
    placed: dict[str, dict[str, Any]] = field(default_factory=dict)  # feed reference -> order as OrderHub showed it
    pusher: HttpPusher = field(default_factory=lambda: HttpPusher(NOTIFY_URL))

    def login_code(self, openid: str = "") -> tuple[str, str]:
        """What wx.login gives the mini-program: a one-time code (valid for one code2session)."""
        openid = openid or "o" + secrets.token_urlsafe(21)[:27]
        code = secrets.token_hex(16)
        self.codes[code] = openid
        return code, openid

    def payment_push(
        self, *, out_trade_no: str, total_fen: int, openid: str = "", trade_state: str = "SUCCESS"
    ) -> Push:
        txn = wechatpay.transaction(
            appid=self.appid,
            mchid=self.mch_id,
            out_trade_no=out_trade_no,
            total_fen=total_fen,
            openid=openid or "o-unknown",
            trade_state=trade_state,
        )
        body = wechatpay.notification(self.apiv3_key.encode(), txn)
        self.payments.append(txn)
        if trade_state == "SUCCESS":
            self.transactions[out_trade_no] = txn
        return Push(str(txn["transaction_id"]), body, wechatpay.signed_headers(wechatpay.private_key(), body))

    async def pay(self, *, out_trade_no: str, total_fen: int, openid: str = "") -> str:
        """The customer pays: WeChat Pay notifies the merchant; returns the transaction_id."""
        push = self.payment_push(out_trade_no=out_trade_no, total_fen=total_fen, openid=openid)
        await self.pusher.push(push)
        return push.id
