"""Outside local mode ingest refuses to start with a secret at its local default or with the WeChat
Pay development keys of the simulator, naming each setting."""

from __future__ import annotations

from typing import Any

import pytest
from ingest.main import create_app
from ingest.settings import IngestSettings
from orderhub_contracts.wechatpay_devkeys import LOCAL_MERCHANT_PRIVATE_KEY, LOCAL_PLATFORM_PUBLIC_KEY
from orderhub_devstack.testing import running_app
from orderhub_runtime.settings import RuntimeSettings
from pydantic import SecretStr

PRIVATE = "INGEST_MINIPROGRAM_MERCHANT_PRIVATE_KEY"
PUBLIC = "INGEST_MINIPROGRAM_PLATFORM_PUBLIC_KEY"


def real_secrets(**overrides: Any) -> IngestSettings:
    """Every secret set to a value of its own (what production configures); keywords override."""
    values: dict[str, Any] = {
        name: SecretStr(f"real-{name}")
        for name, info in IngestSettings.model_fields.items()
        if isinstance(info.default, SecretStr) and name != "database_url"
    }
    return IngestSettings(**{**values, **overrides})


def test_the_wechat_pay_development_keys_are_development_secrets() -> None:
    known = IngestSettings().development_secrets()
    assert LOCAL_MERCHANT_PRIVATE_KEY in known["miniprogram_merchant_private_key"]
    assert LOCAL_PLATFORM_PUBLIC_KEY.strip() in known["miniprogram_platform_public_key"]
    assert known["taobao_app_secret"] == {"local-taobao-secret"}  # every secret's local default too


def test_local_defaults_are_refused_naming_each_setting() -> None:
    with pytest.raises(ValueError) as refused:
        IngestSettings().refuse_development_secrets()
    for name in (PRIVATE, PUBLIC, "INGEST_TAOBAO_APP_SECRET", "INGEST_MINIPROGRAM_APIV3_KEY"):
        assert name in str(refused.value)


def test_a_development_key_among_real_secrets_is_refused_by_name() -> None:
    settings = real_secrets(miniprogram_merchant_private_key=SecretStr(LOCAL_MERCHANT_PRIVATE_KEY.strip()))
    with pytest.raises(ValueError, match=PRIVATE) as refused:
        settings.refuse_development_secrets()
    assert PUBLIC not in str(refused.value) and "TAOBAO" not in str(refused.value)


def test_real_secrets_pass() -> None:
    real_secrets().refuse_development_secrets()


async def test_ingest_in_production_refuses_to_start_with_a_development_key() -> None:
    settings = real_secrets(miniprogram_platform_public_key=SecretStr(LOCAL_PLATFORM_PUBLIC_KEY))
    app = create_app(settings, RuntimeSettings(env="production"))
    with pytest.raises(ValueError, match=PUBLIC):
        async with running_app(app):
            pass


def test_ingest_in_production_without_wechat_pay_keys_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match=PUBLIC):
        create_app(real_secrets(miniprogram_platform_public_key=SecretStr("")), RuntimeSettings(env="production"))
