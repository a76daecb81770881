"""Aliyun RPC-style request signing (signature version 1.0, HMAC-SHA1), as the Aliyun SDKs do:
sort the parameters, percent-encode per RFC 3986, sign `METHOD&%2F&<encoded query>` with
`secret + "&"` and send the Base64 digest as `Signature`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote


def percent_encode(value: str) -> str:
    # RFC 3986: space is %20, '*' is %2A, '~' stays; quote() with safe="~" does exactly that.
    return quote(value, safe="~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    query = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    return f"{method}&{percent_encode('/')}&{percent_encode(query)}"


def signature(method: str, params: Mapping[str, str], access_key_secret: str) -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_params(
    action: str,
    params: Mapping[str, str],
    *,
    access_key_id: str,
    access_key_secret: str,
    method: str = "POST",
    version: str = "2017-05-25",
    region: str = "cn-hangzhou",
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """`params` plus the common parameters and `Signature`."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    full = {
        **params,
        "AccessKeyId": access_key_id,
        "Action": action,
        "Format": "JSON",
        "RegionId": region,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": version,
    }
    full["Signature"] = signature(method, full, access_key_secret)
    return full
