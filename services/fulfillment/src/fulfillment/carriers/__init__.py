"""Carriers: waybill numbers (运单号) from an aggregator's e-waybill API, tracking subscriptions,
the callbacks they push and the real-time query. The provider is chosen by configuration
(`FULFILLMENT_CARRIER`): `kuaidi100` (the real account, or the simulator in local mode) or
`local` (database-sequence numbers, no tracking)."""

from __future__ import annotations

import httpx

from fulfillment.carriers.base import BadPush, CarrierError, CarrierProvider, WaybillRequest
from fulfillment.carriers.kuaidi100 import KUAIDI100, Kuaidi100Account, Kuaidi100Provider
from fulfillment.carriers.local import LOCAL_CARRIER_CODE, LocalCarrier, format_local_waybill
from fulfillment.settings import FulfillmentSettings

__all__ = [
    "KUAIDI100",
    "LOCAL_CARRIER_CODE",
    "BadPush",
    "CarrierError",
    "CarrierProvider",
    "Kuaidi100Provider",
    "LocalCarrier",
    "WaybillRequest",
    "build_carrier",
    "format_local_waybill",
]


def build_carrier(settings: FulfillmentSettings) -> CarrierProvider:
    """The configured provider; the caller closes it (`aclose`) when it has one."""
    name = settings.carrier
    if name == "local":
        return LocalCarrier()
    if name == KUAIDI100:
        account = Kuaidi100Account(
            key=settings.kuaidi100_key,
            secret=settings.kuaidi100_secret.get_secret_value(),
            customer=settings.kuaidi100_customer,
            company=settings.kuaidi100_company,
            partner_id=settings.kuaidi100_partner_id,
            partner_key=settings.kuaidi100_partner_key.get_secret_value(),
            partner_secret=settings.kuaidi100_partner_secret.get_secret_value(),
            partner_name=settings.kuaidi100_partner_name,
            net=settings.kuaidi100_net,
            callback_url=settings.kuaidi100_callback_url,
            salt=settings.kuaidi100_salt.get_secret_value(),
            sender_name=settings.sender_name,
            sender_mobile=settings.sender_mobile,
            sender_address=settings.sender_address,
        )
        client = httpx.AsyncClient(timeout=settings.carrier_timeout_s, limits=httpx.Limits(max_connections=20))
        return Kuaidi100Provider(
            client, account, api_url=settings.kuaidi100_api_url, poll_url=settings.kuaidi100_poll_url
        )
    raise ValueError(f"unknown carrier {name!r}; known: local, kuaidi100")
