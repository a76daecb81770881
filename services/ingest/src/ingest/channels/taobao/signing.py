"""TOP request signing: sort every parameter but `sign` by ASCII name, concatenate name+value
(skipping a parameter whose name or value is empty, as TOP's reference code does), then
MD5(secret + s + secret), HMAC-MD5(secret, s) or HMAC-SHA256(secret, s); upper-case hex."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum


class SignMethod(StrEnum):
    MD5 = "md5"
    HMAC = "hmac"
    HMAC_SHA256 = "hmac-sha256"


def canonical_string(params: Mapping[str, str]) -> str:
    # An empty value (e.g. `session` of an app-level call) is not signed: the gateway skips it too.
    return "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign" and name and params[name])


def top_sign(params: Mapping[str, str], secret: str, method: SignMethod | str = SignMethod.MD5) -> str:
    text = canonical_string(params).encode()
    key = secret.encode()
    match SignMethod(method):
        case SignMethod.MD5:
            digest = hashlib.md5(key + text + key).hexdigest()
        case SignMethod.HMAC:
            digest = hmac.new(key, text, hashlib.md5).hexdigest()
        case SignMethod.HMAC_SHA256:
            digest = hmac.new(key, text, hashlib.sha256).hexdigest()
    return digest.upper()


def signed(params: Mapping[str, str], secret: str) -> dict[str, str]:
    """The parameters with `sign` added, using the `sign_method` they name (md5 by default)."""
    out = dict(params)
    out["sign"] = top_sign(out, secret, out.get("sign_method", SignMethod.MD5))
    return out
