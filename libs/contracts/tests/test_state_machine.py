import pytest
from orderhub_contracts.state_machine import (
    TRANSITIONS,
    IllegalTransition,
    OrderStatus,
    can_transition,
    forward_path,
    is_behind,
    transition,
)

S = OrderStatus


def test_every_status_has_a_row() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (S.CREATED, S.VALIDATED),
        (S.VALIDATED, S.ALLOCATED),
        (S.ALLOCATED, S.SHIPPED),
        (S.SHIPPED, S.DELIVERED),
        (S.DELIVERED, S.COMPLETED),
        (S.CREATED, S.ON_HOLD),
        (S.ALLOCATED, S.ON_HOLD),
        (S.ON_HOLD, S.VALIDATED),
        (S.SHIPPED, S.AFTER_SALES),
        (S.AFTER_SALES, S.DELIVERED),
        (S.VALIDATED, S.CANCELLED),
    ],
)
def test_allowed(src: OrderStatus, dst: OrderStatus) -> None:
    assert can_transition(src, dst)
    assert transition(src, dst) == dst


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (S.SHIPPED, S.CANCELLED),
        (S.CANCELLED, S.VALIDATED),
        (S.COMPLETED, S.AFTER_SALES),
        (S.SHIPPED, S.ON_HOLD),
        (S.CREATED, S.SHIPPED),
    ],
)
def test_refused(src: OrderStatus, dst: OrderStatus) -> None:
    assert not can_transition(src, dst)
    with pytest.raises(IllegalTransition):
        transition(src, dst)


def test_forward_path_fills_in_implied_steps() -> None:
    assert forward_path(S.CREATED, S.ALLOCATED) == [S.VALIDATED, S.ALLOCATED]
    assert forward_path(S.ON_HOLD, S.ALLOCATED) == [S.VALIDATED, S.ALLOCATED]
    assert forward_path(S.ALLOCATED, S.ALLOCATED) == []


def test_forward_path_never_invents_holds_or_leaves_terminal_states() -> None:
    assert forward_path(S.CREATED, S.ON_HOLD) is None
    assert forward_path(S.CANCELLED, S.ALLOCATED) is None
    assert forward_path(S.SHIPPED, S.VALIDATED) is None


def test_is_behind() -> None:
    assert is_behind(S.ALLOCATED, S.VALIDATED)
    assert not is_behind(S.VALIDATED, S.ALLOCATED)
    assert not is_behind(S.ON_HOLD, S.VALIDATED)
