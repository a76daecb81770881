"""The local carrier's waybill format and the carrier configuration."""

from __future__ import annotations

import re

import pytest
from fulfillment.carriers import Kuaidi100Provider, LocalCarrier, build_carrier, format_local_waybill
from fulfillment.settings import FulfillmentSettings
from pydantic import ValidationError


def test_local_waybill_is_lc_and_twelve_digits() -> None:
    assert format_local_waybill(7) == "LC000000000007"
    assert format_local_waybill(999_999_999_999) == "LC999999999999"
    assert re.fullmatch(r"LC\d{12}", format_local_waybill(123_456))


@pytest.mark.parametrize("number", [0, -1, 10**12])
def test_local_waybill_number_out_of_range_is_refused(number: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        format_local_waybill(number)


def test_local_carrier_is_the_default_and_codes_itself_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FULFILLMENT_CARRIER", raising=False)
    carrier = build_carrier(FulfillmentSettings())
    assert isinstance(carrier, LocalCarrier)
    assert carrier.code == "LOCAL"


async def test_kuaidi100_is_built_from_its_settings() -> None:
    carrier = build_carrier(FulfillmentSettings(carrier="kuaidi100", kuaidi100_company="yuantong"))
    assert isinstance(carrier, Kuaidi100Provider)
    assert carrier.code == "yuantong" and carrier.name == "kuaidi100"
    await carrier.aclose()


def test_unknown_carrier_is_refused_at_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULFILLMENT_CARRIER", "sf-express")
    with pytest.raises(ValidationError):
        FulfillmentSettings()


def test_the_kuaidi100_development_secrets_are_refused_outside_local_mode() -> None:
    with pytest.raises(ValueError, match="FULFILLMENT_KUAIDI100_SECRET"):
        FulfillmentSettings(carrier="kuaidi100").refuse_development_secrets()


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FULFILLMENT_HTTP_PORT", raising=False)
    monkeypatch.setenv("FULFILLMENT_DATABASE_URL", "postgresql+asyncpg://u:p@127.0.0.1/db")
    settings = FulfillmentSettings()
    assert settings.http_port == 8003
    assert settings.database_url.get_secret_value().endswith("/db")
