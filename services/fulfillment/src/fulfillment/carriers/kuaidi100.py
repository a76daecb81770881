"""快递100 (api.kuaidi100.com / poll.kuaidi100.com): e-waybills through `/label/order` (V2,
`method=order` and `method=cancel`), tracking subscriptions through `/poll`, the real-time query
`/poll/query.do`, and the callbacks those subscriptions push (verified here).

The codes each call answers and how we treat them are in the tables below; a code not listed is
permanent, so an unknown answer is looked at by a person rather than retried forever."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from orderhub_runtime.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from fulfillment.carriers.base import BadPush, CarrierError, WaybillRequest
from fulfillment.carriers.http import post_form
from fulfillment.carriers.signing import callback_signed, label_sign, query_sign
from fulfillment.carriers.tracking import Checkpoint, TrackReport, state_of_label

log = get_logger(__name__)
KUAIDI100 = "kuaidi100"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# /label/order `code`: 200 success; the server's own faults are retried, the rest are not
# (400 bad parameters, 30002 bad signature, 30003 unknown key, 30004 bad waybill account,
# 30005 already picked up: cannot cancel, 30006 waybill balance exhausted).
LABEL_RETRYABLE = frozenset({500, 502, 503})
# /poll `returnCode`: 200 accepted, 501 already subscribed (fine), 500 server error, 702 number
# not recognised yet (a fresh waybill the carrier has not loaded: retried later); permanent:
# 600 bad key, 601 key expired, 700 bad data or callback, 701 carrier refused.
POLL_OK = frozenset({"200", "501"})
POLL_RETRYABLE = frozenset({"500", "702"})
# /poll/query.do `returnCode`: 500 no result yet (answered as None); 501 server error and 502
# overloaded are retried; 400 incomplete, 408 phone check failed, 503 bad signature, 601 key
# expired are permanent.
QUERY_RETRYABLE = frozenset({"501", "502"})
_CONCURRENCY = 8


@dataclass(frozen=True)
class Kuaidi100Account:
    """The account's credentials (快递100 管理后台 → 我的信息 → 企业信息) and the e-waybill account."""

    key: str
    secret: str
    customer: str
    company: str  # kuaidicom: zhongtong, yuantong, shunfeng ...
    partner_id: str
    partner_key: str
    partner_secret: str
    partner_name: str
    net: str
    callback_url: str
    salt: str
    sender_name: str
    sender_mobile: str
    sender_address: str


class Kuaidi100Provider:
    name = KUAIDI100

    def __init__(self, client: httpx.AsyncClient, account: Kuaidi100Account, *, api_url: str, poll_url: str) -> None:
        self._client = client
        self._account = account
        self._api = api_url.rstrip("/")
        self._poll = poll_url.rstrip("/")
        self._limit = asyncio.Semaphore(_CONCURRENCY)

    @property
    def code(self) -> str:
        return self._account.company

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _label(self, method: str, param: Mapping[str, Any]) -> Any:
        a = self._account
        text, t = json.dumps(param, ensure_ascii=False, separators=(",", ":")), str(int(time.time() * 1000))
        form = {"method": method, "key": a.key, "t": t, "param": text, "sign": label_sign(text, t, a.key, a.secret)}
        async with self._limit:
            body = await post_form(self._client, f"{self._api}/label/order", form)
        if not isinstance(body, dict):
            raise CarrierError("bad_response", f"{body!r:.200}", retryable=True)
        code = int(body.get("code") or 0)
        if code != 200 or not body.get("success", True):
            raise CarrierError(str(code), str(body.get("message", "")), retryable=code in LABEL_RETRYABLE)
        return body.get("data")

    async def issue_waybill(self, conn: AsyncConnection, request: WaybillRequest) -> str:
        a, r = self._account, request.receiver
        data = await self._label(
            "order",
            {
                "printType": "NON",
                "partnerId": a.partner_id,
                "partnerKey": a.partner_key,
                "partnerSecret": a.partner_secret,
                "partnerName": a.partner_name,
                "net": a.net,
                "kuaidicom": a.company,
                "orderId": request.outbound_id,
                "recMan": {"name": r.name, "mobile": r.phone, "printAddr": r.full_address},
                "sendMan": {"name": a.sender_name, "mobile": a.sender_mobile, "printAddr": a.sender_address},
                "cargo": "商品",
                "count": 1,
                "payType": "SHIPPER",
                "expType": "标准快递",
            },
        )
        number = str((data or {}).get("kuaidinum") or "")
        if not number:
            raise CarrierError("no_waybill", f"answer without kuaidinum: {data!r:.200}", retryable=True)
        log.info("waybill.issued", order_id=request.order_id, carrier=a.company, waybill_no=number)
        return number

    async def issue_waybills(self, conn: AsyncConnection, requests: Sequence[WaybillRequest]) -> list[str]:
        return list(await asyncio.gather(*(self.issue_waybill(conn, r) for r in requests)))

    async def cancel_waybill(self, carrier: str, waybill_no: str) -> None:
        a = self._account
        await self._label(
            "cancel",
            {
                "partnerId": a.partner_id,
                "partnerKey": a.partner_key,
                "net": a.net,
                "kuaidicom": carrier,
                "kuaidinum": waybill_no,
                "reason": "订单取消",
            },
        )

    async def subscribe(self, carrier: str, waybill_no: str, phone: str) -> None:
        a = self._account
        param = {
            "company": carrier,
            "number": waybill_no,
            "key": a.key,
            "parameters": {"callbackurl": a.callback_url, "salt": a.salt, "resultv2": "1", "phone": phone},
        }
        form = {"schema": "json", "param": json.dumps(param, ensure_ascii=False, separators=(",", ":"))}
        async with self._limit:
            body = await post_form(self._client, f"{self._poll}/poll", form)
        code = str((body or {}).get("returnCode", "")) if isinstance(body, dict) else ""
        if code not in POLL_OK:
            message = str(body.get("message", "")) if isinstance(body, dict) else f"{body!r:.200}"
            raise CarrierError(code or "bad_response", message, retryable=code in POLL_RETRYABLE or not code)

    async def query(self, carrier: str, waybill_no: str, phone: str) -> TrackReport | None:
        a = self._account
        text = json.dumps({"com": carrier, "num": waybill_no, "phone": phone, "resultv2": "1"}, separators=(",", ":"))
        form = {"customer": a.customer, "param": text, "sign": query_sign(text, a.key, a.customer)}
        async with self._limit:
            body = await post_form(self._client, f"{self._poll}/poll/query.do", form)
        if not isinstance(body, dict):
            raise CarrierError("bad_response", f"{body!r:.200}", retryable=True)
        if "returnCode" in body and body.get("result") is False:
            code = str(body["returnCode"])
            if code == "500":
                return None
            raise CarrierError(code, str(body.get("message", "")), retryable=code in QUERY_RETRYABLE)
        return read_last_result(body, carrier, waybill_no)

    def read_push(self, form: Mapping[str, str]) -> TrackReport:
        param, sign = form.get("param", ""), form.get("sign", "")
        if not param:
            raise BadPush("missing_param")
        if not sign:
            raise BadPush("missing_signature")
        if not callback_signed(param, sign, self._account.salt):
            raise BadPush("bad_signature")
        try:
            body = json.loads(param)
            last = body["lastResult"]
            return read_last_result(last, str(last.get("com", "")), str(last.get("nu", "")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadPush(f"unreadable: {exc!r:.100}") from None


def parse_time(text: str) -> datetime:
    """快递100 times are Shanghai wall-clock times, `YYYY-MM-DD HH:MM:SS`."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)


def read_last_result(last: Mapping[str, Any], carrier: str, waybill_no: str) -> TrackReport:
    """A `lastResult` (or query answer) as a track. Its `data` is newest first; the newest
    checkpoint takes the overall `state`, older ones the state of their own label."""
    items = list(last.get("data") or [])
    overall = str(last.get("state", "0"))
    checkpoints = []
    for index, item in enumerate(items):
        label = str(item.get("status", ""))
        state = overall if index == 0 else (state_of_label(label) or "0")
        checkpoints.append(
            Checkpoint(
                time=parse_time(str(item.get("ftime") or item.get("time"))),
                context=str(item.get("context", "")),
                state=state,
                area=str(item.get("areaName") or item.get("location") or ""),
            )
        )
    return TrackReport(
        carrier=str(last.get("com") or carrier),
        waybill_no=str(last.get("nu") or waybill_no),
        checkpoints=tuple(checkpoints),
    )
