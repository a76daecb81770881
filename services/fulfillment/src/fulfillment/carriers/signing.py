"""快递100's signatures, all upper-case MD5 hex of a concatenation (no separators):

- e-waybill (`/label/order`): MD5(param + t + key + secret)
- real-time query (`/poll/query.do`): MD5(param + key + customer)
- callback: MD5(param + salt), `salt` being the one given at subscription."""

from __future__ import annotations

import hashlib
import hmac


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def label_sign(param: str, t: str, key: str, secret: str) -> str:
    return md5_upper(param + t + key + secret)


def query_sign(param: str, key: str, customer: str) -> str:
    return md5_upper(param + key + customer)


def callback_sign(param: str, salt: str) -> str:
    return md5_upper(param + salt)


def callback_signed(param: str, sign: str, salt: str) -> bool:
    return hmac.compare_digest(sign.strip().upper(), callback_sign(param, salt))
