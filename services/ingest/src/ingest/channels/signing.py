"""Digest helpers shared by the channel signers: hex digests and constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def hmac_sha256_hex(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def same_hex(expected: str, given: str) -> bool:
    """Case-insensitive, constant-time comparison of two hex signatures."""
    return hmac.compare_digest(expected.strip().lower().encode(), given.strip().lower().encode())
