"""A parcel's journey in the simulator: its checkpoints, and which pushes go out for each step.

Scenarios (chosen per parcel from the configured shares, or forced from a test):
- normal: one push per step.
- delayed: the parcel waits `delay_s` at the sorting centre before it goes out for delivery.
- lost: the pushes of the last two steps are never sent (the real-time query still knows them).
- duplicated: every push is sent twice.
- out_of_order: the 派件 push goes out before the 在途 one.
- returned: refused at the door (拒签) and sent back (退回) instead of signed.

Each push carries the whole track so far, newest checkpoint first, as 快递100 does."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

Scenario = Literal["normal", "delayed", "lost", "duplicated", "out_of_order", "returned"]
SCENARIOS: tuple[Scenario, ...] = ("normal", "delayed", "lost", "duplicated", "out_of_order", "returned")
SHANGHAI = timezone(timedelta(hours=8))

# (快递100 state code, status label, resultv2 sub-state, checkpoint text with {city} placeholders)
Step = tuple[str, str, str, str]
DELIVERED_STEPS: tuple[Step, ...] = (
    ("1", "揽收", "103", "【{origin}】快件已由【{origin}营业部】揽收，揽收员：王师傅 13800000000"),
    ("0", "在途", "1002", "【{origin}】快件已发往【{dest}转运中心】"),
    ("5", "派件", "1001", "【{dest}】快件已到达【{dest}派送点】，正在派件，派件员：李师傅 13900000000"),
    ("3", "签收", "301", "【{dest}】快件已签收，签收人：本人。感谢使用，期待再次为您服务"),
)
RETURNED_STEPS: tuple[Step, ...] = (
    *DELIVERED_STEPS[:3],
    ("14", "拒签", "14", "【{dest}】收件人拒收，原因：不想要了"),
    ("6", "退回", "6", "【{dest}】快件已退回，发往【{origin}】"),
)


@dataclass
class Checkpoint:
    time: datetime
    state: str
    status: str
    sub_state: str
    context: str
    area: str

    def as_json(self) -> dict[str, Any]:
        stamp = self.time.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        return {
            "time": stamp,
            "ftime": stamp,
            "context": self.context,
            "status": self.status,
            "statusCode": self.sub_state,
            "areaName": self.area,
            "location": self.area,
        }


@dataclass
class Parcel:
    company: str
    number: str
    scenario: Scenario
    callback_url: str = ""
    salt: str = ""
    origin: str = "杭州市"
    dest: str = "上海市"
    checkpoints: list[Checkpoint] = field(default_factory=list)
    subscribed: bool = False
    cancelled: bool = False
    held_push: dict[str, Any] | None = None  # out_of_order: the 在途 push, sent after 派件

    @property
    def steps(self) -> tuple[Step, ...]:
        return RETURNED_STEPS if self.scenario == "returned" else DELIVERED_STEPS

    @property
    def done(self) -> bool:
        return len(self.checkpoints) >= len(self.steps)

    @property
    def state(self) -> str:
        return self.checkpoints[-1].state if self.checkpoints else "0"

    def advance(self, now: datetime) -> Checkpoint | None:
        """The next checkpoint of the journey, or None when it is over."""
        if self.done:
            return None
        state, status, sub_state, text = self.steps[len(self.checkpoints)]
        if self.checkpoints:  # times are to the second: each checkpoint at least a second later
            now = max(now.replace(microsecond=0), self.checkpoints[-1].time + timedelta(seconds=1))
        area = self.dest if len(self.checkpoints) >= 2 else self.origin
        checkpoint = Checkpoint(now, state, status, sub_state, text.format(origin=self.origin, dest=self.dest), area)
        self.checkpoints.append(checkpoint)
        return checkpoint

    def last_result(self) -> dict[str, Any]:
        """The `lastResult` of a push or a query answer: the track so far, newest first."""
        signed = self.state == "3"
        return {
            "message": "ok",
            "state": self.state,
            "status": "200",
            "condition": "F00",
            "ischeck": "1" if signed else "0",
            "com": self.company,
            "nu": self.number,
            "data": [c.as_json() for c in reversed(self.checkpoints)],
        }

    def push_body(self) -> dict[str, Any]:
        finished = self.state == "3"
        return {
            "status": "shutdown" if finished else "polling",
            "billstatus": "check" if finished else "got",
            "message": "",
            "lastResult": self.last_result(),
        }

    def pushes_for_step(self) -> list[dict[str, Any]]:
        """The pushes to send now that the parcel reached its latest checkpoint."""
        body = self.push_body()
        step = len(self.checkpoints)  # 1-based number of the step just reached
        if self.scenario == "duplicated":
            return [body, body]
        if self.scenario == "lost" and step >= len(self.steps) - 1:
            return []
        if self.scenario == "out_of_order":
            if step == 2:
                self.held_push = body
                return []
            if step == 3 and self.held_push is not None:
                held, self.held_push = self.held_push, None
                return [body, held]
        return [body]


def choose_scenario(rng: random.Random, shares: dict[str, float]) -> Scenario:
    """A scenario drawn by the configured shares; whatever share is left is `normal`."""
    draw = rng.random()
    total = 0.0
    for name in SCENARIOS[1:]:
        total += max(0.0, shares.get(name, 0.0))
        if draw < total:
            return name
    return "normal"


def waybill_number(company: str, serial: int) -> str:
    """Numbers shaped like the carrier's own: 中通 7 + 11 digits, 圆通 YT + 13, 顺丰 SF + 13."""
    prefixes = {"zhongtong": ("78", 12), "yuantong": ("YT", 13), "shunfeng": ("SF", 13), "yunda": ("43", 13)}
    prefix, digits = prefixes.get(company, ("KD", 13))
    return f"{prefix}{serial:0{digits}d}"


def next_step_delay(parcel: Parcel, step_s: float, delay_s: float) -> float:
    """Seconds until the parcel's next checkpoint: a delayed parcel waits at the 在途 step."""
    if parcel.scenario == "delayed" and len(parcel.checkpoints) == 2:
        return delay_s
    return step_s
