"""Order text as people type it: bidirectional control characters (U+202E and kin make a name
display reversed or spoof what follows it) and mobile numbers typed into remarks."""

from __future__ import annotations

import re

from orderhub_contracts.address import Receiver

# The Unicode bidi embedding, override and isolate controls and the invisible direction marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A mainland mobile number as typed: optional +86, separated by spaces or dashes or not at all.
_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")


def bidi_controls_in(text: str) -> list[str]:
    """The bidi control characters of `text`, as U+XXXX, in order of appearance (each once)."""
    return list(dict.fromkeys(f"U+{ord(c):04X}" for c in text if c in BIDI_CONTROLS))


def refuse_bidi_controls(text: str) -> str:
    """`text` unchanged, or a ValueError naming the control characters (a 422 for typed-in input)."""
    found = bidi_controls_in(text)
    if found:
        raise ValueError(f"must not contain bidirectional control characters ({', '.join(found)})")
    return text


def without_bidi_controls(text: str) -> str:
    return "".join(c for c in text if c not in BIDI_CONTROLS)


def clean_receiver(receiver: Receiver) -> Receiver:
    """The receiver with bidi controls removed from every field (platform data cannot be refused)."""
    fields = ("name", "phone", "province", "city", "district", "street", "detail")
    changed = {f: without_bidi_controls(getattr(receiver, f)) for f in fields}
    if all(changed[f] == getattr(receiver, f) for f in fields):
        return receiver
    return receiver.model_copy(update=changed)


def mask_phones(text: str) -> str:
    """Every mobile number in free text masked as 138****5678 (remarks shown in lists and search)."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
