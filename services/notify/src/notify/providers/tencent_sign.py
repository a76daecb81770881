"""Tencent Cloud API 3.0 request signing (TC3-HMAC-SHA256), as the Tencent Cloud SDKs do:
a canonical request over the method, path, query, the signed headers (`content-type;host`) and
the SHA-256 of the body; a string to sign with the timestamp and credential scope
(`<UTC date>/<service>/tc3_request`); a signing key derived from `"TC3" + SecretKey` through
the date, the service and `tc3_request`; the hex HMAC-SHA256 goes into `Authorization`."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def credential_scope(timestamp: int, service: str) -> str:
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    return f"{day}/{service}/tc3_request"


def canonical_request(method: str, host: str, content_type: str, payload: bytes, query: str = "") -> str:
    headers = f"content-type:{content_type.strip().lower()}\nhost:{host.strip().lower()}\n"
    body_hash = hashlib.sha256(payload).hexdigest()
    return "\n".join((method.upper(), "/", query, headers, SIGNED_HEADERS, body_hash))


def signature(secret_key: str, service: str, timestamp: int, request: str) -> str:
    scope = credential_scope(timestamp, service)
    to_sign = "\n".join((ALGORITHM, str(timestamp), scope, hashlib.sha256(request.encode()).hexdigest()))
    day = scope.split("/", 1)[0]
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(secret_id: str, secret_key: str, service: str, timestamp: int, request: str) -> str:
    scope = credential_scope(timestamp, service)
    sig = signature(secret_key, service, timestamp, request)
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, Signature={sig}"


def signed_headers(
    *,
    action: str,
    payload: bytes,
    host: str,
    secret_id: str,
    secret_key: str,
    service: str = "sms",
    version: str = "2021-01-11",
    region: str = "ap-guangzhou",
    timestamp: int | None = None,
) -> dict[str, str]:
    """The headers of a signed `POST /` with a JSON `payload`."""
    stamp = int(datetime.now(UTC).timestamp()) if timestamp is None else timestamp
    request = canonical_request("POST", host, CONTENT_TYPE, payload)
    return {
        "Authorization": authorization(secret_id, secret_key, service, stamp, request),
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(stamp),
        "X-TC-Version": version,
        "X-TC-Region": region,
    }
