"""HTTP models of the insights API (mapped from the use cases' results, never the rows)."""

from __future__ import annotations

from datetime import date, datetime

from orderhub_contracts.timezone import as_shanghai
from pydantic import BaseModel, ConfigDict, Field

from insights.contacts.model import Contact, ContactKind
from insights.heat.model import WEEKDAYS, Cell, CouponShare, HeatMap
from insights.kpi.model import Handled, StaffAction, Summary
from insights.kpi.service import ResponseDay, ResponseReport


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ContactKind = Field(description="phone (电话) or chat (在线沟通); SMS are recorded by themselves")
    note: str = Field(default="", max_length=2000)


class ContactOut(BaseModel):
    contact_id: int
    order_id: str
    kind: str
    agent: str
    note: str
    at: datetime

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        view = cls.model_validate(contact, from_attributes=True)
        return view.model_copy(update={"at": as_shanghai(contact.at)})


class SummaryOut(BaseModel):
    anomalies: int
    contacted: int
    average_minutes: float | None
    p90_minutes: float | None

    @classmethod
    def of(cls, summary: Summary) -> SummaryOut:
        def minutes(seconds: float | None) -> float | None:
            return None if seconds is None else round(seconds / 60, 2)

        return cls(
            anomalies=summary.anomalies,
            contacted=summary.contacted,
            average_minutes=minutes(summary.average_s),
            p90_minutes=minutes(summary.p90_s),
        )


class ResponseDayOut(BaseModel):
    date: date
    overall: SummaryOut
    by_rule: dict[str, SummaryOut]
    by_level: dict[int, SummaryOut]
    by_agent: dict[str, SummaryOut]

    @classmethod
    def of(cls, day: ResponseDay) -> ResponseDayOut:
        return cls(
            date=day.day,
            overall=SummaryOut.of(day.overall),
            by_rule={k: SummaryOut.of(v) for k, v in day.by_rule.items()},
            by_level={k: SummaryOut.of(v) for k, v in day.by_level.items()},
            by_agent={k: SummaryOut.of(v) for k, v in day.by_agent.items()},
        )


class ResponseTimeOut(BaseModel):
    """快: anomaly raised → first contact with the customer (an SMS sent or a logged call/chat)."""

    min_level: int
    overall: SummaryOut
    days: list[ResponseDayOut]

    @classmethod
    def of(cls, report: ResponseReport) -> ResponseTimeOut:
        return cls(
            min_level=report.min_level,
            overall=SummaryOut.of(report.overall),
            days=[ResponseDayOut.of(d) for d in report.per_day],
        )


class ActionOut(BaseModel):
    action: str
    subject: str
    at: datetime

    @classmethod
    def of(cls, action: StaffAction) -> ActionOut:
        return cls(action=action.action, subject=action.subject, at=as_shanghai(action.at))


class HandledOut(BaseModel):
    """省: what one agent moved on one day; `actions` is the list behind the number."""

    date: date
    agent: str
    count: int
    actions: list[ActionOut]

    @classmethod
    def of(cls, handled: Handled) -> HandledOut:
        return cls(
            date=handled.day,
            agent=handled.agent,
            count=handled.count,
            actions=[ActionOut.of(a) for a in handled.actions],
        )


class CellOut(BaseModel):
    weekday: int = Field(description="1 = Monday .. 7 = Sunday")
    weekday_name: str
    hour: int
    customers: int
    repurchased: int
    rate: float | None
    thin: bool = Field(description="fewer customers than the minimum: not to be trusted")

    @classmethod
    def of(cls, cell: Cell, heat: HeatMap) -> CellOut:
        return cls(
            weekday=cell.weekday,
            weekday_name=WEEKDAYS[cell.weekday - 1],
            hour=cell.hour,
            customers=cell.customers,
            repurchased=cell.repurchased,
            rate=cell.rate,
            thin=heat.thin(cell),
        )


class HeatOut(BaseModel):
    coupon: str | None
    window_days: int
    min_customers: int
    since: datetime
    until: datetime
    customers: int
    repurchased: int
    rate: float | None
    top: list[CellOut] = Field(description="cells with enough customers, highest rate first (at most 10)")
    cells: list[CellOut]

    @classmethod
    def of(cls, heat: HeatMap) -> HeatOut:
        return cls(
            coupon=heat.coupon,
            window_days=heat.window_days,
            min_customers=heat.min_customers,
            since=as_shanghai(heat.since),
            until=as_shanghai(heat.until),
            customers=heat.customers,
            repurchased=heat.repurchased,
            rate=heat.rate,
            top=[CellOut.of(c, heat) for c in heat.ranked()[:10]],
            cells=[CellOut.of(c, heat) for c in heat.cells],
        )


class CouponShareOut(BaseModel):
    coupon: str
    customers: int
    repurchased: int
    rate: float | None

    @classmethod
    def of(cls, share: CouponShare) -> CouponShareOut:
        return cls(coupon=share.coupon, customers=share.customers, repurchased=share.repurchased, rate=share.rate)
