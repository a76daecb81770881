"""TOP gateway checks, written independently of any client: the documented sign recipe and the
gateway's error_response shape."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

_GMT8 = timezone(timedelta(hours=8))
MAX_SKEW = timedelta(minutes=10)  # "the server tolerates at most 10 minutes of clock skew"


class TopError(Exception):
    def __init__(self, code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> None:
        super().__init__(msg)
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "msg": self.msg, "request_id": uuid.uuid4().hex[:13]}
        if self.sub_code:
            error.update(sub_code=self.sub_code, sub_msg=self.sub_msg)
        return {"error_response": error}


def expected_sign(params: Mapping[str, str], secret: str, method: str) -> str:
    # As TOP's reference code (TaobaoUtils.signTopRequest): a parameter with an empty name or value is skipped.
    joined = "".join(k + params[k] for k in sorted(params) if k != "sign" and k and params[k]).encode("utf-8")
    key = secret.encode("utf-8")
    if method == "md5":
        return hashlib.md5(key + joined + key).hexdigest().upper()
    if method == "hmac":
        return hmac.new(key, joined, "md5").hexdigest().upper()
    if method == "hmac-sha256":
        return hmac.new(key, joined, "sha256").hexdigest().upper()
    raise TopError(28, "Invalid signature method", "isv.invalid-parameter", f"sign_method {method}")


def check_request(params: Mapping[str, str], *, app_key: str, secret: str, session: str) -> None:
    for name in ("method", "app_key", "timestamp", "sign", "v"):
        if not params.get(name):
            raise TopError(40, f"Missing required arguments:{name}")
    if params["app_key"] != app_key:
        raise TopError(29, "Invalid app Key")
    if not hmac.compare_digest(params["sign"], expected_sign(params, secret, params.get("sign_method", "md5"))):
        raise TopError(25, "Invalid signature")
    if params.get("session") != session:
        raise TopError(27, "Invalid session")
    check_timestamp(params["timestamp"])


def check_timestamp(value: str, *, now: datetime | None = None) -> None:
    """A request (or a replay of one) older or newer than the tolerated skew is refused."""
    try:
        sent = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=_GMT8)
    except ValueError as exc:
        raise TopError(31, "Invalid timestamp", "isv.invalid-parameter", "yyyy-MM-dd HH:mm:ss, GMT+8") from exc
    if abs((now or datetime.now(_GMT8)) - sent) > MAX_SKEW:
        raise TopError(31, "Invalid timestamp", "isv.invalid-parameter", "timestamp out of the 10 minute window")
