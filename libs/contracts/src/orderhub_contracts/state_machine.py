"""The order state machine as a transition table (创建 → 校验 → 分配 → 发货 → 签收 → 售后)."""

from __future__ import annotations

from collections import deque
from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    ALLOCATED = "allocated"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"
    AFTER_SALES = "after_sales"
    CANCELLED = "cancelled"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.VALIDATED, S.ON_HOLD, S.CANCELLED}),
    S.VALIDATED: frozenset({S.ALLOCATED, S.ON_HOLD, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.AFTER_SALES}),
    S.DELIVERED: frozenset({S.COMPLETED, S.AFTER_SALES}),
    S.COMPLETED: frozenset(),
    S.ON_HOLD: frozenset({S.VALIDATED, S.CANCELLED}),
    S.AFTER_SALES: frozenset({S.DELIVERED, S.COMPLETED}),
    S.CANCELLED: frozenset(),
}

# The happy path, used to tell an event that arrives late (already passed) from an illegal one.
MAIN_LINE: tuple[OrderStatus, ...] = (S.CREATED, S.VALIDATED, S.ALLOCATED, S.SHIPPED, S.DELIVERED, S.COMPLETED)


class IllegalTransition(ValueError):
    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"order cannot go from {current} to {target}")
        self.current = current
        self.target = target


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def transition(current: OrderStatus, target: OrderStatus) -> OrderStatus:
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    return target


def forward_path(current: OrderStatus, target: OrderStatus) -> list[OrderStatus] | None:
    """Shortest chain of allowed steps along the main line from `current` to `target`.

    Events from different topics can arrive out of causal order (a shipment before the
    clearance that caused it); the projection then applies the implied steps in order.
    Holds and cancellations are never implied: only explicit events cause them.
    """
    if current == target:
        return []
    allowed = set(MAIN_LINE) | {S.AFTER_SALES}
    queue: deque[tuple[OrderStatus, list[OrderStatus]]] = deque([(current, [])])
    seen = {current}
    while queue:
        state, path = queue.popleft()
        for nxt in sorted(TRANSITIONS[state]):
            if nxt in seen or nxt not in allowed:
                continue
            if nxt == target:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return None


def is_behind(current: OrderStatus, target: OrderStatus) -> bool:
    """True when `target` lies on the main line before `current` (a late, harmless event)."""
    if current in MAIN_LINE and target in MAIN_LINE:
        return MAIN_LINE.index(target) < MAIN_LINE.index(current)
    return False
