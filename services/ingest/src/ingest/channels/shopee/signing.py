"""Shopee Open Platform v2 signatures.

API calls (shop level): sign = hex HMAC-SHA256(partner_key, partner_id + api_path + timestamp + access_token + shop_id).
Pushes: header Authorization = hex HMAC-SHA256(partner_key, callback_url + "|" + raw body), where the URL is
exactly the callback URL registered with Shopee."""

from __future__ import annotations

from ingest.channels.signing import hmac_sha256_hex


def api_sign(*, partner_id: str, path: str, timestamp: str, access_token: str, shop_id: str, partner_key: str) -> str:
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}".encode()
    return hmac_sha256_hex(partner_key.encode(), base)


def push_sign(callback_url: str, body: bytes, partner_key: str) -> str:
    return hmac_sha256_hex(partner_key.encode(), callback_url.encode() + b"|" + body)
