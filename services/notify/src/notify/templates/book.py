"""Message templates: validated when loaded, rendered with named `{variables}`.

A template is refused when it is malformed, when its channel or event is unknown, or when it
refers to a variable its event does not provide; every problem is reported at once, naming the
template, so a bad edit fails at start-up rather than at the first message."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from orderhub_contracts.events import (
    AnomalyRaised,
    CouponDrawRefused,
    CouponIssued,
    OrderCancelled,
    OrderRefunded,
    ShipmentDispatched,
    WmsBridgeFailed,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from notify.messages.model import Channel

_FORMATTER = string.Formatter()
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class TemplateError(ValueError):
    """A template that cannot be used (raised when loading) or rendered."""


class _TemplateSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=_IDENTIFIER.pattern, max_length=64)
    channel: Channel
    event: str = Field(min_length=1)
    text: str = Field(min_length=1, max_length=1000)


@dataclass(frozen=True, slots=True)
class Template:
    code: str
    channel: Channel
    event_type: str
    text: str
    variables: tuple[str, ...]  # in order of first use

    def render(self, values: Mapping[str, str]) -> str:
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise TemplateError(f"template {self.code!r} needs {', '.join(missing)} to render")
        return self.text.format_map({v: values[v] for v in self.variables})

    def params(self, values: Mapping[str, str]) -> dict[str, str]:
        """The variables this template uses: what an SMS provider's own copy of it is filled with."""
        return {v: values[v] for v in self.variables}


def parse_variables(text: str) -> tuple[str, ...]:
    """Names used as `{name}`; refuses positional `{}`, `{a.b}`, `{a[0]}`, `{a!r}`, `{a:>5}`."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in _FORMATTER.parse(text) if name is not None]
    except ValueError as exc:
        raise TemplateError(f"unbalanced braces ({exc}); write a literal brace as {{{{ or }}}}") from None
    names: list[str] = []
    for name, spec, conv in fields:
        if not _IDENTIFIER.match(name) or spec or conv:
            shown = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            raise TemplateError(f"{shown} is not a plain named variable like {{order_id}}")
        if name not in names:
            names.append(name)
    return tuple(names)


class TemplateBook(Mapping[str, Template]):
    """The loaded templates by code."""

    def __init__(self, templates: Iterable[Template]) -> None:
        self._by_code = {t.code: t for t in templates}

    def __getitem__(self, code: str) -> Template:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"no template {code!r}; loaded: {', '.join(sorted(self._by_code))}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def require(self, code: str, *, channel: Channel, event_type: str) -> Template:
        """The template a handler depends on, checked to fit how the handler uses it."""
        template = self[code]
        if template.channel != channel or template.event_type != event_type:
            raise TemplateError(
                f"template {code!r} is for {template.channel} on {template.event_type}; "
                f"expected {channel} on {event_type}"
            )
        return template


def load_templates(entries: Iterable[Mapping[str, Any]], provided: Mapping[str, frozenset[str]]) -> TemplateBook:
    """Validate every entry against the variables its event provides; raise one TemplateError
    listing every problem."""
    problems: list[str] = []
    loaded: list[Template] = []
    for index, entry in enumerate(entries):
        label = f"template {entry.get('code', f'#{index + 1}')!r}"
        try:
            spec = _TemplateSpec.model_validate(entry)
        except ValidationError as exc:
            fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            problems.append(f"{label}: {fields}")
            continue
        try:
            loaded.append(_check(spec, provided))
        except TemplateError as exc:
            problems.append(f"{label}: {exc}")
    codes = [t.code for t in loaded]
    problems += [f"template {c!r}: defined more than once" for c in sorted({c for c in codes if codes.count(c) > 1})]
    if problems:
        raise TemplateError("invalid message templates:\n  " + "\n  ".join(problems))
    return TemplateBook(loaded)


def _check(spec: _TemplateSpec, provided: Mapping[str, frozenset[str]]) -> Template:
    available = provided.get(spec.event)
    if available is None:
        raise TemplateError(f"event {spec.event!r} offers no template variables; known: {', '.join(sorted(provided))}")
    variables = parse_variables(spec.text)
    unknown = [v for v in variables if v not in available]
    if unknown:
        raise TemplateError(
            f"uses {', '.join('{' + v + '}' for v in unknown)}, which {spec.event} does not provide "
            f"(available: {', '.join(sorted(available))})"
        )
    return Template(spec.code, spec.channel, spec.event, spec.text, variables)


REFUND_TEMPLATE = "order_refunded"
DISPATCH_TEMPLATE = "shipment_dispatched"
CANCELLED_TEMPLATE = "order_cancelled"
COUPON_TEMPLATE = "coupon_issued"
REFUSED_TEMPLATE = "coupon_refused_wecom"
WMS_FAILED_TEMPLATE = "wms_bridge_failed"
ANOMALY_TEMPLATES: dict[Channel, str] = {"sms": "anomaly_sms", "wecom": "anomaly_wecom"}
# After-sales (notify.returns): event type -> (template, channel).
RETURN_TEMPLATES: dict[str, tuple[str, Channel]] = {
    "return.waybill_issued": ("return_waybill", "sms"),
    "return.rejected": ("return_rejected", "sms"),
    "return.discrepancy": ("return_discrepancy", "wecom"),
}


@dataclass(frozen=True)
class EventTemplates:
    """The templates the handlers fill, one per event (and channel for anomaly actions)."""

    anomaly: Mapping[Channel, Template]
    refund: Template
    dispatch: Template  # the customer's one 「已发货」 SMS, at the ship scan
    cancelled: Template
    coupon: Template
    coupon_refused: Template
    wms_failed: Template  # to the warehouse group: the WMS export could not be read
    returns: Mapping[str, Template] = field(default_factory=dict)  # by event type (RETURN_TEMPLATES)

    @classmethod
    def required(cls, book: TemplateBook) -> EventTemplates:
        """Checked here so a missing or mismatched template stops the service at start-up."""
        return cls(
            anomaly={
                channel: book.require(code, channel=channel, event_type=AnomalyRaised.event_type)
                for channel, code in ANOMALY_TEMPLATES.items()
            },
            refund=book.require(REFUND_TEMPLATE, channel="sms", event_type=OrderRefunded.event_type),
            dispatch=book.require(DISPATCH_TEMPLATE, channel="sms", event_type=ShipmentDispatched.event_type),
            cancelled=book.require(CANCELLED_TEMPLATE, channel="sms", event_type=OrderCancelled.event_type),
            coupon=book.require(COUPON_TEMPLATE, channel="sms", event_type=CouponIssued.event_type),
            coupon_refused=book.require(REFUSED_TEMPLATE, channel="wecom", event_type=CouponDrawRefused.event_type),
            wms_failed=book.require(WMS_FAILED_TEMPLATE, channel="wecom", event_type=WmsBridgeFailed.event_type),
            returns={
                event_type: book.require(code, channel=channel, event_type=event_type)
                for event_type, (code, channel) in RETURN_TEMPLATES.items()
            },
        )
