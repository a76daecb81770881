"""Recipient routing: the customer's phone for SMS, WeCom users and robots for staff roles."""

from __future__ import annotations

import pytest
from notify.messages.model import Channel
from notify.routing import Addressee, RecipientResolver, Route, RoutingTable, Unroutable, local_routing, province_key
from pydantic import ValidationError


def _table() -> RoutingTable:
    return RoutingTable.model_validate(
        {
            "regional_managers": {"江苏省": "user:js-mgr", "广西壮族自治区": "user:gx-mgr", "北京": "user:bj-mgr"},
            "default_regional_manager": "user:any-mgr",
            "roles": {"ops_manager": "user:13812345678", "warehouse_group": "robot:warehouse"},
        }
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("江苏省", "江苏"),
        ("江苏", "江苏"),
        (" 上海市 ", "上海"),
        ("广西壮族自治区", "广西"),
        ("新疆维吾尔自治区", "新疆"),
        ("内蒙古自治区", "内蒙古"),
        ("香港特别行政区", "香港"),
        ("省", "省"),
        ("", ""),
    ],
)
def test_province_key(raw: str, key: str) -> None:
    assert province_key(raw) == key


def test_customer_sms_goes_to_the_normalised_phone_masked_for_display() -> None:
    route = RecipientResolver(_table()).resolve("sms", "customer", Addressee(customer_phone="+86 138-1234-5678"))
    assert route == Route("sms", "13812345678", "138****5678")


def test_sms_with_an_empty_target_means_the_customer() -> None:
    route = RecipientResolver(_table()).resolve("sms", "", Addressee(customer_phone="13812345678"))
    assert isinstance(route, Route) and route.recipient == "13812345678"


@pytest.mark.parametrize(
    ("phone", "code", "recipient"),
    [
        ("", "no_recipient", ""),
        ("   ", "no_recipient", ""),
        ("5551234", "invalid_phone", "5551234"),
        ("12812345678", "invalid_phone", "12812345678"),
    ],
)
def test_customer_sms_without_a_usable_phone_is_unroutable(phone: str, code: str, recipient: str) -> None:
    route = RecipientResolver(_table()).resolve("sms", "customer", Addressee(customer_phone=phone))
    assert isinstance(route, Unroutable)
    assert (route.error_code, route.recipient) == (code, recipient)
    assert "5551234" not in route.recipient_masked


def test_regional_manager_by_province_with_a_default() -> None:
    resolver = RecipientResolver(_table())
    assert resolver.resolve("wecom", "regional_manager", Addressee(province="江苏")).recipient == "user:js-mgr"
    assert resolver.resolve("wecom", "regional_manager", Addressee(province="广西")).recipient == "user:gx-mgr"
    assert resolver.resolve("wecom", "regional_manager", Addressee(province="北京市")).recipient == "user:bj-mgr"
    assert resolver.resolve("wecom", "regional_manager", Addressee(province="西藏自治区")).recipient == "user:any-mgr"
    assert resolver.resolve("wecom", "regional_manager", Addressee()).recipient == "user:any-mgr"


def test_roles_route_to_users_or_robots_and_phone_like_user_ids_are_masked() -> None:
    resolver = RecipientResolver(_table())
    assert resolver.resolve("wecom", "warehouse_group", Addressee()) == Route(
        "wecom", "robot:warehouse", "robot:warehouse"
    )
    ops = resolver.resolve("wecom", "ops_manager", Addressee())
    assert ops == Route("wecom", "user:13812345678", "user:138****5678")


@pytest.mark.parametrize(
    ("channel", "target", "code"),
    [
        ("wecom", "cs_group", "unknown_target"),
        ("wecom", "", "unknown_target"),
        ("wecom", "customer", "unsupported_target"),
        ("sms", "ops_manager", "unsupported_target"),
    ],
)
def test_unroutable_targets_say_why(channel: Channel, target: str, code: str) -> None:
    route = RecipientResolver(_table()).resolve(channel, target, Addressee(customer_phone="13812345678"))
    assert isinstance(route, Unroutable)
    assert route.error_code == code and route.recipient == f"role:{target}"


def test_unknown_role_lists_the_routed_ones() -> None:
    route = RecipientResolver(_table()).resolve("wecom", "cs_group", Addressee())
    assert isinstance(route, Unroutable)
    assert "ops_manager" in route.detail and "regional_manager" in route.detail


def test_the_local_default_routes_every_staff_role_and_some_provinces() -> None:
    table = local_routing()
    assert {"ops_manager", "warehouse_group", "cs_group"} <= set(table.roles)
    assert table.regional_manager("浙江").id != table.default_regional_manager.id
    assert table.robot_names() == {"warehouse_group", "cs_group"}


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"default_regional_manager": "zhang"}, "must look like 'user:<userid>'"),
        ({"default_regional_manager": "user:"}, "must look like"),
        (
            {"default_regional_manager": "user:a", "regional_managers": {"江苏": "user:a", "江苏省": "user:b"}},
            "routed twice",
        ),
        ({"default_regional_manager": "user:a", "roles": {"regional_manager": "user:b"}}, "routed separately"),
        ({"default_regional_manager": "user:a", "surprise": 1}, "Extra inputs"),
    ],
)
def test_bad_routing_tables_are_refused(table: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        RoutingTable.model_validate(table)
