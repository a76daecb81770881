"""Notify settings from the environment: routing JSON, robot keys, providers."""

from __future__ import annotations

import json

import pytest
from notify.settings import NotifySettings
from pydantic import ValidationError

ROUTING = {
    "regional_managers": {"湖北省": "user:hb-manager"},
    "default_regional_manager": "user:any-manager",
    "roles": {"warehouse_group": "robot:wh"},
}


def test_local_defaults_work_without_any_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NOTIFY_ROUTING", "NOTIFY_WECOM_ROBOT_KEYS", "NOTIFY_SMS_PROVIDER", "NOTIFY_WECOM_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    settings = NotifySettings()
    assert settings.http_port == 8005
    assert (settings.sms_provider, settings.wecom_provider) == ("recording", "recording")
    assert settings.routing.robot_names() <= set(settings.robot_keys())


def test_routing_comes_from_notify_routing_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_ROUTING", json.dumps(ROUTING, ensure_ascii=False))
    monkeypatch.setenv("NOTIFY_WECOM_ROBOT_KEYS", '{"wh": "secret-key"}')
    settings = NotifySettings()
    assert settings.routing.regional_manager("湖北").id == "hb-manager"
    assert settings.robot_keys() == {"wh": "secret-key"}
    assert "secret-key" not in repr(settings)


def test_a_routed_robot_without_a_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_ROUTING", json.dumps(ROUTING))
    monkeypatch.setenv("NOTIFY_WECOM_ROBOT_KEYS", '{"other": "k"}')
    with pytest.raises(ValidationError, match=r"no key for the routed robot\(s\): wh"):
        NotifySettings()


@pytest.mark.parametrize("keys", ["not json", '["wh"]', '{"wh": 1}'])
def test_malformed_robot_keys_are_refused(monkeypatch: pytest.MonkeyPatch, keys: str) -> None:
    monkeypatch.setenv("NOTIFY_WECOM_ROBOT_KEYS", keys)
    with pytest.raises(ValidationError, match="NOTIFY_WECOM_ROBOT_KEYS"):
        NotifySettings()


def test_an_unknown_provider_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_SMS_PROVIDER", "aliyun")
    with pytest.raises(ValidationError, match="sms_provider"):
        NotifySettings()
