"""Phone validity from libphonenumber's metadata (the `phonenumbers` package), for R01 and R03.

A number is a mainland mobile number when libphonenumber parses it as a valid Chinese number of
mobile type: number ranges that are not allocated (e.g. 12x, 100x) are refused, landlines too."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@lru_cache(maxsize=65536)
def is_mainland_mobile(normalised: str) -> bool:
    """`normalised` is the phone as `orderhub_contracts.phone.normalize_phone` returns it."""
    if not normalised.isdigit() or len(normalised) != 11:
        return False
    try:
        parsed = phonenumbers.parse(normalised, "CN")
    except NumberParseException:
        return False
    return (
        phonenumbers.region_code_for_number(parsed) == "CN"
        and phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) in _MOBILE_TYPES
    )
