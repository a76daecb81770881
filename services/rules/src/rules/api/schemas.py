"""API shapes, mapped explicitly from the repository's records (never the tables themselves)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rules.anomalies.repository import Anomaly, ResponseTimes
from rules.anomalies.service import Outcome
from rules.rulesets.repository import Revision


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000, description="why; kept on the anomaly")

    @property
    def text(self) -> str | None:
        stripped = (self.note or "").strip()
        return stripped or None


class AnomalyView(BaseModel):
    anomaly_id: uuid.UUID
    order_id: str
    rule_id: str
    rule_name: str
    rule_set_version: int
    level: int
    holds: bool
    evidence: dict[str, Any] = Field(description="the facts the rule read (phones masked)")
    actions: list[dict[str, Any]]
    status: str
    resolution: str | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None
    province: str
    channel: str

    @classmethod
    def of(cls, a: Anomaly) -> AnomalyView:
        return cls.model_validate(a, from_attributes=True)  # the fields are the anomaly's own


class AnomalyList(BaseModel):
    items: list[AnomalyView]
    count: int


class ActionResult(BaseModel):
    anomaly: AnomalyView
    resolved_anomaly_ids: list[uuid.UUID] = Field(description="every anomaly this call resolved")
    order_validated: bool = Field(description="this call cleared the order for fulfillment")

    @classmethod
    def of(cls, outcome: Outcome) -> ActionResult:
        return cls(
            anomaly=AnomalyView.of(outcome.anomaly),
            resolved_anomaly_ids=outcome.resolved_anomaly_ids,
            order_validated=outcome.order_validated,
        )


class FactView(BaseModel):
    name: str
    type: str
    description: str


class RuleSetView(BaseModel):
    version: int
    created_by: str
    created_at: datetime
    rules: list[dict[str, Any]]
    facts: list[FactView] = Field(description="names a condition may use")
    functions: list[str] = Field(description="functions a condition may call")


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[dict[str, Any]] = Field(description="the whole new rule set, each rule as GET /v1/rules shows it")
    note: str | None = Field(default=None, max_length=2000, description="why; kept in the history")
    base_version: int | None = Field(default=None, description="refuse (409) if the active version is not this one")


class RevisionView(BaseModel):
    version: int
    created_by: str
    created_at: datetime
    active: bool
    change: str
    note: str | None
    rules: list[dict[str, Any]] | None = Field(default=None, description="only with with_rules=true")

    @classmethod
    def of(cls, r: Revision) -> RevisionView:
        return cls(
            version=r.version,
            created_by=r.created_by,
            created_at=r.created_at,
            active=r.active,
            change=r.change,
            note=r.note,
            rules=r.rules or None,
        )


class ResponseTimeView(BaseModel):
    rule_id: str | None = Field(description="null: all rules (of the level, if one is given)")
    level: int | None = Field(description="null: all levels")
    raised: int
    responded: int
    waiting: int = Field(description="unresolved and not yet responded to")
    avg_minutes: float | None
    p90_minutes: float | None

    @classmethod
    def of(cls, r: ResponseTimes) -> ResponseTimeView:
        return cls.model_validate(r, from_attributes=True)  # same field names


class ResponseTimeReport(BaseModel):
    since: datetime
    until: datetime
    groups: list[ResponseTimeView]
