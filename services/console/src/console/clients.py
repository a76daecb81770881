"""One typed client per service. Every call carries the logged-in person's own staff token, so
each service applies its own role checks; the console adds none of its own to the data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

Json = dict[str, Any]
Params = Mapping[str, str | int | list[str] | list[int] | None]


class ServiceError(Exception):
    """A service answered with an error (or could not be reached: status 0)."""

    def __init__(self, service: str, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{service}: {status} {code}: {message}")
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class ServiceClient:
    """The HTTP client of one service, with the shared error shape unpacked."""

    name: str
    http: httpx.AsyncClient

    async def call(self, method: str, path: str, token: str, *, params: Params | None = None, json: Any = None) -> Json:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
        try:
            response = await self.http.request(method, path, params=clean, json=json, headers=_auth(token))
        except httpx.HTTPError as exc:
            raise ServiceError(
                self.name, 0, "unreachable", f"{self.name} 服务无法连接（{type(exc).__name__}）"
            ) from exc
        return _unpack(self.name, response)

    async def get(self, path: str, token: str, params: Params | None = None) -> Json:
        return await self.call("GET", path, token, params=params)

    async def post(self, path: str, token: str, json: Any = None) -> Json:
        return await self.call("POST", path, token, json=json)

    async def put(self, path: str, token: str, json: Any = None) -> Json:
        return await self.call("PUT", path, token, json=json)

    @asynccontextmanager
    async def stream(self, path: str, token: str, params: Params | None = None) -> AsyncIterator[httpx.Response]:
        """A streamed GET (server-sent events), with no read timeout."""
        timeout = httpx.Timeout(10.0, read=None)
        request = self.http.build_request("GET", path, params=params, headers=_auth(token), timeout=timeout)
        response = await self.http.send(request, stream=True)
        try:
            if response.status_code >= 400:
                await response.aread()
                _unpack(self.name, response)
            yield response
        finally:
            await response.aclose()

    async def ready(self) -> bool:
        try:
            return (await self.http.get("/healthz", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False


def api_missing(exc: ServiceError) -> bool:
    """The service answers, but has no such route yet (an older version of it)."""
    return exc.status in (404, 405) and exc.code == "http_error"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _unpack(service: str, response: httpx.Response) -> Json:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code < 400:
        return body if isinstance(body, dict) else {"value": body}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message, details = str(error.get("code", "")), str(error.get("message", "")), error.get("details")
    else:
        code, message, details = "http_error", response.text[:300], None
    raise ServiceError(service, response.status_code, code, message, details)


@dataclass(frozen=True)
class IngestClient:
    client: ServiceClient

    async def search(self, token: str, q: str, limit: int = 50) -> Json:
        return await self.client.get("/v1/orders/search", token, {"q": q, "limit": limit})

    async def order(self, token: str, order_id: str) -> Json:
        return await self.client.get(f"/v1/orders/{order_id}", token)

    async def receiver_phone(self, token: str, order_id: str) -> Json:
        """The full receiver phone for an agent who must call the customer (logged by the caller)."""
        return await self.client.get(f"/v1/orders/{order_id}/receiver-phone", token)


@dataclass(frozen=True)
class RulesClient:
    client: ServiceClient

    async def anomalies(self, token: str, params: Params | None = None) -> Json:
        return await self.client.get("/v1/anomalies", token, params)

    async def anomaly(self, token: str, anomaly_id: str) -> Json:
        return await self.client.get(f"/v1/anomalies/{anomaly_id}", token)

    async def act(self, token: str, anomaly_id: str, action: str, note: str | None) -> Json:
        return await self.client.post(f"/v1/anomalies/{anomaly_id}/{action}", token, {"note": note or None})

    async def rules(self, token: str) -> Json:
        return await self.client.get("/v1/rules", token)

    async def history(self, token: str) -> Json:
        return await self.client.get("/v1/rules/history", token)

    async def switch(self, token: str, rule_id: str, enabled: bool) -> Json:
        return await self.client.post(f"/v1/rules/{rule_id}/{'enable' if enabled else 'disable'}", token)

    async def replace(self, token: str, rules: list[Json], note: str, base_version: int) -> Json:
        body = {"rules": rules, "note": note or None, "base_version": base_version}
        return await self.client.put("/v1/rules", token, body)

    async def response_time(self, token: str, since: str | None = None) -> Json:
        return await self.client.get("/v1/anomalies/kpi/response-time", token, {"since": since})


@dataclass(frozen=True)
class FulfillmentClient:
    client: ServiceClient

    async def stock(self, token: str, sku: str) -> Json:
        return await self.client.get(f"/v1/stock/{sku}", token)

    async def set_stock(self, token: str, sku: str, on_hand: int) -> Json:
        return await self.client.put(f"/v1/stock/{sku}", token, {"on_hand": on_hand})

    async def outbound(self, token: str, order_id: str) -> Json:
        return await self.client.get("/v1/outbound", token, {"order_id": order_id})

    async def shipment(self, token: str, waybill_no: str) -> Json:
        """A dispatched parcel's whole track, newest checkpoint first."""
        return await self.client.get(f"/v1/shipments/{waybill_no}", token)

    async def board(self, token: str, zone: str | None = None) -> Json:
        return await self.client.get("/v1/board", token, {"zone": zone})

    async def create_picklist(self, token: str, max_orders: int, zone: str | None) -> Json:
        return await self.client.post("/v1/picklists", token, {"max_orders": max_orders, "zone": zone})

    async def picklist(self, token: str, picklist_id: str) -> Json:
        return await self.client.get(f"/v1/picklists/{picklist_id}", token)

    async def print_picklist(self, token: str, picklist_id: str) -> Json:
        return await self.client.post(f"/v1/picklists/{picklist_id}/print", token)

    async def picklist_file(self, token: str, picklist_id: str, kind: str) -> httpx.Response:
        """The sheet as a file (pdf or xlsx), passed through as it came."""
        response = await self.client.http.get(f"/v1/picklists/{picklist_id}.{kind}", headers=_auth(token))
        if response.status_code >= 400:
            _unpack(self.client.name, response)
        return response

    async def print_jobs(self, token: str) -> Json:
        return await self.client.get("/v1/print-jobs", token, {"limit": 50})

    async def wms_bridge(self, token: str) -> Json:
        return await self.client.get("/v1/wms-bridge", token)

    async def run_wms_bridge(self, token: str) -> Json:
        return await self.client.post("/v1/wms-bridge/run", token)

    async def ship_scan(self, token: str, waybill_no: str) -> Json:
        return await self.client.post("/v1/scans/ship", token, {"waybill_no": waybill_no})


@dataclass(frozen=True)
class NotifyClient:
    client: ServiceClient

    async def messages(self, token: str, order_id: str) -> Json:
        return await self.client.get("/v1/messages", token, {"order_id": order_id, "limit": 200})


@dataclass(frozen=True)
class AftersalesClient:
    client: ServiceClient

    async def returns(self, token: str, params: Params | None = None) -> list[Json]:
        found = await self.client.get("/v1/returns", token, params)
        return [t for t in found.get("value", []) if isinstance(t, dict)]

    async def tickets_of(self, token: str, order_id: str) -> Json:
        """The order's return tickets, as `{"value": [...]}`."""
        return await self.client.get("/v1/returns", token, {"order": order_id})

    async def routing(self, token: str) -> Json:
        return await self.client.get("/v1/return-routing", token)

    async def replace_routing(self, token: str, routes: list[Json]) -> Json:
        return await self.client.put("/v1/return-routing", token, {"routes": routes})

    async def agents(self, token: str) -> list[Json]:
        found = await self.client.get("/v1/agents", token)
        return [a for a in found.get("value", []) if isinstance(a, dict)]

    async def set_duty(self, token: str, agent: str, on_duty: bool) -> Json:
        return await self.client.put(f"/v1/agents/{agent}/duty", token, {"on_duty": on_duty})

    async def approve(self, token: str, ticket_id: str, note: str) -> Json:
        return await self.client.post(f"/v1/returns/{ticket_id}/approve", token, {"note": note})

    async def reject(self, token: str, ticket_id: str, reason: str) -> Json:
        return await self.client.post(f"/v1/returns/{ticket_id}/reject", token, {"reason": reason})

    async def scan_return(self, token: str, waybill_no: str) -> Json:
        return await self.client.get(f"/v1/returns/scan/{waybill_no}", token)

    async def record_receipt(self, token: str, ticket_id: str, lines: list[Json]) -> Json:
        return await self.client.post(f"/v1/returns/{ticket_id}/receipt", token, {"lines": lines})

    async def add_photo(self, token: str, ticket_id: str, photo: bytes, content_type: str) -> Json:
        headers = {**_auth(token), "Content-Type": content_type or "application/octet-stream"}
        response = await self.client.http.post(f"/v1/returns/{ticket_id}/photos", content=photo, headers=headers)
        return _unpack(self.client.name, response)

    async def complete_receipt(self, token: str, ticket_id: str, note: str) -> Json:
        return await self.client.post(f"/v1/returns/{ticket_id}/receipt/complete", token, {"note": note})


@dataclass(frozen=True)
class InsightsClient:
    """The KPI and heat read models; `client` is None where insights is not deployed."""

    client: ServiceClient | None

    def _client(self) -> ServiceClient:
        if self.client is None:
            raise ServiceError("insights", 404, "http_error", "insights is not configured (CONSOLE_INSIGHTS_URL)")
        return self.client

    async def kpis(self, token: str, first: str, last: str) -> Json:
        return await self._client().get("/v1/kpi", token, {"from": first, "to": last})

    async def heat(self, token: str, first: str, last: str, coupon: str | None = None) -> Json:
        return await self._client().get("/v1/heat", token, {"from": first, "to": last, "coupon": coupon})
