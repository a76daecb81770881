"""POP gateway checks, written independently of any client: the documented sign recipe and the
gateway's error_response shape ({error_code, error_msg, sub_code, sub_msg, request_id})."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from typing import Any


class PopError(Exception):
    def __init__(self, code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> None:
        super().__init__(msg)
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg

    def body(self) -> dict[str, Any]:
        return {
            "error_response": {
                "error_code": self.code,
                "error_msg": self.msg,
                "sub_code": self.sub_code,
                "sub_msg": self.sub_msg,
                "request_id": uuid.uuid4().hex,
            }
        }


def expected_sign(params: Mapping[str, str], secret: str) -> str:
    joined = "".join(k + params[k] for k in sorted(params) if k != "sign")
    return hashlib.md5((secret + joined + secret).encode("utf-8")).hexdigest().upper()


def check_request(params: Mapping[str, str], *, client_id: str, secret: str, access_token: str) -> None:
    for name in ("type", "client_id", "timestamp", "sign"):
        if not params.get(name):
            raise PopError(10000, "参数错误", "", f"{name} is required")
    if params["client_id"] != client_id:
        raise PopError(10016, "client_id不存在")
    if not hmac.compare_digest(params["sign"], expected_sign(params, secret)):
        raise PopError(10019, "签名错误", "", "sign check failed")
    if params.get("access_token") != access_token:
        raise PopError(10019, "access_token已过期", "", "invalid access_token")
    check_timestamp(params["timestamp"])


MAX_SKEW_S = 10 * 60


def check_timestamp(value: str, *, now: float | None = None) -> None:
    """A request (or a replay of one) outside the tolerated clock skew is refused."""
    if not value.isdigit() or abs((now if now is not None else time.time()) - int(value)) > MAX_SKEW_S:
        raise PopError(10000, "参数错误", "", "timestamp expired or invalid")


def message_sign_ok(client_id: str, timestamp: str, sign: str, secret: str) -> bool:
    hex_text = hashlib.md5(f"{client_id}{timestamp}{secret}".encode()).hexdigest()
    return hmac.compare_digest(sign, base64.b64encode(hex_text.encode()).decode())
