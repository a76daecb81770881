"""Phone numbers: normalised for storage, masked for every log line and screen."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def normalize_phone(raw: str) -> str:
    """Strip separators and the mainland country code; keep anything else as given."""
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def mask_phone(phone: str) -> str:
    """'13812345678' -> '138****5678'; short or odd values keep at most their last 4 digits."""
    p = normalize_phone(phone)
    if len(p) >= 7:
        return f"{p[:3]}****{p[-4:]}"
    if not p:
        return ""
    return "*" * max(len(p) - 2, 1) + p[-2:] if len(p) > 2 else "*" * len(p)


def mask_phones_in_text(text: str) -> str:
    """Mask any mainland mobile number embedded in free text (log safety net)."""
    return _MOBILE_IN_TEXT.sub(r"\1****\2", text)


def last4(phone: str) -> str:
    return normalize_phone(phone)[-4:]
