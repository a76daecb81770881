"""Douyin shop signatures (op.jinritemai.com).

API calls: sign = md5_hex(secret + "app_key"+key + "method"+m + "param_json"+pj + "timestamp"+ts + "v"+"2" + secret)
(or HMAC-SHA256 with the secret over the same string), param_json compact with sorted keys.
Pushes: header event-sign = md5_hex(app_key + raw body + app_secret)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ingest.channels.signing import hmac_sha256_hex, md5_hex

API_VERSION = "2"


def param_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def api_sign(
    *, app_key: str, app_secret: str, method: str, params_json: str, timestamp: str, sign_method: str = "md5"
) -> str:
    plain = (
        f"{app_secret}app_key{app_key}method{method}param_json{params_json}"
        f"timestamp{timestamp}v{API_VERSION}{app_secret}"
    ).encode()
    if sign_method == "hmac-sha256":
        return hmac_sha256_hex(app_secret.encode(), plain)
    return md5_hex(plain)


def push_sign(app_key: str, body: bytes, app_secret: str) -> str:
    return md5_hex(app_key.encode() + body + app_secret.encode())
