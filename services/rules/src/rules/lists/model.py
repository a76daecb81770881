"""Commands on the lists staff keep for the rules, and the errors their use cases raise."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub_runtime.errors import DomainError

from rules.lists.repository import BlacklistKind


@dataclass(frozen=True)
class Blacklist:
    kind: BlacklistKind
    value: str
    reason: str
    by: str


@dataclass(frozen=True)
class Region:
    """A region as staff typed it; empty city or district: the whole province or city."""

    province: str
    city: str = ""
    district: str = ""


class UnknownRegion(DomainError):
    status_code = 422
    code = "unknown_region"
