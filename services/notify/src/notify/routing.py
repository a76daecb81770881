"""Who receives a message. SMS goes to the customer's phone (from the event); WeCom goes to a
staff role, resolved through the routing table (`NOTIFY_ROUTING`): the regional manager by the
order's province, the other roles (warehouse group, ops manager, CS group, ...) directly.

A WeCom target is `user:<WeCom userid>` (an app message) or `robot:<robot name>` (a group robot
webhook whose secret key lives in NOTIFY_WECOM_ROBOT_KEYS, so keys never reach the delivery log)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from orderhub_contracts.phone import mask_phone, mask_phones_in_text, normalize_phone
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from notify.messages.model import Channel

CUSTOMER = "customer"
REGIONAL_MANAGER = "regional_manager"
WAREHOUSE_GROUP = "warehouse_group"
# Longest first: "广西壮族自治区" must lose "壮族自治区", not just "区".
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
# Mainland mobile numbers, the only ones the SMS providers deliver to.
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def province_key(name: str) -> str:
    """'江苏省' and '江苏' match the same route; so do '广西壮族自治区' and '广西'."""
    value = name.strip()
    for suffix in _PROVINCE_SUFFIXES:
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)]
    return value


class WeComTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["user", "robot"]
    id: str = Field(pattern=r"^\S+$")

    @property
    def address(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, address: str) -> WeComTarget:
        return cls.model_validate(_split_address(address))


def _split_address(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    kind, sep, ident = value.strip().partition(":")
    if not sep or kind not in ("user", "robot") or not ident:
        raise ValueError(f"WeCom target {value!r} must look like 'user:<userid>' or 'robot:<robot name>'")
    return {"kind": kind, "id": ident}


TargetField = Annotated[WeComTarget, BeforeValidator(_split_address)]


class RoutingTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    regional_managers: dict[str, TargetField] = Field(default_factory=dict)  # province -> target
    default_regional_manager: TargetField
    roles: dict[str, TargetField] = Field(default_factory=dict)  # staff role -> target

    @field_validator("regional_managers")
    @classmethod
    def _normalise_provinces(cls, value: dict[str, WeComTarget]) -> dict[str, WeComTarget]:
        out: dict[str, WeComTarget] = {}
        for province, target in value.items():
            key = province_key(province)
            if not key:
                raise ValueError("a province name is empty")
            if key in out:
                raise ValueError(f"province {province!r} is routed twice (as {key!r})")
            out[key] = target
        return out

    @field_validator("roles")
    @classmethod
    def _no_special_roles(cls, value: dict[str, WeComTarget]) -> dict[str, WeComTarget]:
        reserved = {CUSTOMER, REGIONAL_MANAGER} & set(value)
        if reserved:
            raise ValueError(f"roles may not define {', '.join(sorted(reserved))}: they are routed separately")
        return value

    def regional_manager(self, province: str) -> WeComTarget:
        return self.regional_managers.get(province_key(province), self.default_regional_manager)

    def robot_names(self) -> set[str]:
        targets = [self.default_regional_manager, *self.regional_managers.values(), *self.roles.values()]
        return {t.id for t in targets if t.kind == "robot"}


def local_routing() -> RoutingTable:
    """Placeholder WeCom user IDs and robots for local runs and tests."""
    return RoutingTable.model_validate(
        {
            "regional_managers": {
                "江苏省": "user:local-east-manager",
                "浙江省": "user:local-east-manager",
                "上海市": "user:local-east-manager",
                "广东省": "user:local-south-manager",
                "四川省": "user:local-west-manager",
            },
            "default_regional_manager": "user:local-regional-manager",
            "roles": {
                "ops_manager": "user:local-ops-manager",
                "warehouse_lead": "user:local-warehouse-lead",
                "warehouse_group": "robot:warehouse_group",
                "cs_group": "robot:cs_group",
            },
        }
    )


@dataclass(frozen=True, slots=True)
class Addressee:
    """What an event tells about the people a message may go to."""

    customer_phone: str = ""
    province: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    channel: Channel
    recipient: str  # full: the phone number, or the WeCom target address
    recipient_masked: str


@dataclass(frozen=True, slots=True)
class Unroutable:
    """Nobody to send to; recorded as a failed message under `recipient` (what was asked for)."""

    channel: Channel
    recipient: str
    recipient_masked: str
    error_code: str  # no_recipient | invalid_phone | unsupported_target | unknown_target
    detail: str


class RecipientResolver:
    def __init__(self, table: RoutingTable) -> None:
        self._table = table

    def resolve(self, channel: Channel, target: str, addressee: Addressee) -> Route | Unroutable:
        target = target.strip() or (CUSTOMER if channel == "sms" else "")
        if channel == "sms":
            return self._sms(target, addressee)
        return self._wecom(target, addressee)

    def _sms(self, target: str, addressee: Addressee) -> Route | Unroutable:
        if target != CUSTOMER:
            return _unroutable("sms", target, "unsupported_target", f"SMS goes to customers only, not to {target!r}")
        phone = normalize_phone(addressee.customer_phone)
        if not phone:
            return Unroutable("sms", "", "", "no_recipient", "the order has no customer phone number")
        if not _MAINLAND_MOBILE.match(phone):
            return Unroutable("sms", phone, mask_phone(phone), "invalid_phone", "not a mainland mobile number")
        return Route("sms", phone, mask_phone(phone))

    def _wecom(self, target: str, addressee: Addressee) -> Route | Unroutable:
        if target == REGIONAL_MANAGER:
            return _route(self._table.regional_manager(addressee.province))
        if target == CUSTOMER:
            return _unroutable("wecom", target, "unsupported_target", "customers are not reached on WeCom")
        found = self._table.roles.get(target)
        if found is None:
            known = ", ".join(sorted([REGIONAL_MANAGER, *self._table.roles]))
            return _unroutable("wecom", target, "unknown_target", f"no WeCom route for {target!r}; routed: {known}")
        return _route(found)


def _route(target: WeComTarget) -> Route:
    # WeCom user IDs are often the employee's phone number.
    return Route("wecom", target.address, mask_phones_in_text(target.address))


def _unroutable(channel: Channel, target: str, code: str, detail: str) -> Unroutable:
    recipient = f"role:{target}"
    return Unroutable(channel, recipient, recipient, code, detail)
