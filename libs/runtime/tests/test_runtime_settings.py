"""Secrets left at their local defaults are refused outside local mode, naming the setting."""

from __future__ import annotations

import pytest
from orderhub_runtime.settings import ServiceSettings
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

DEV_KEY = "-----BEGIN PRIVATE KEY-----\nDEV\n-----END PRIVATE KEY-----"


class ShopSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")

    app_secret: SecretStr = SecretStr("local-shop-secret")
    signing_key: SecretStr = SecretStr("")
    app_key: str = "local-shop"  # not a secret: never refused

    def development_secrets(self) -> dict[str, set[str]]:
        known = super().development_secrets()
        known["signing_key"] = {DEV_KEY}
        return known


def test_local_defaults_are_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="SHOP_APP_SECRET"):
        ShopSettings().refuse_development_secrets()


def test_a_known_development_key_is_refused() -> None:
    settings = ShopSettings(app_secret=SecretStr("real-secret"), signing_key=SecretStr(DEV_KEY))
    with pytest.raises(ValueError, match="SHOP_SIGNING_KEY") as refused:
        settings.refuse_development_secrets()
    assert "SHOP_APP_SECRET" not in str(refused.value)


def test_real_secrets_pass() -> None:
    ShopSettings(app_secret=SecretStr("real-secret"), signing_key=SecretStr("real-key")).refuse_development_secrets()
