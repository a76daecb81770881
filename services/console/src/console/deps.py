"""The console's dependencies (settings, session codec, one client per service, templates) and
the Annotated aliases its routes use: the logged-in person for a role, the CSRF check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from orderhub_runtime.settings import Role, RuntimeSettings, StaffMember

from console import views
from console.clients import (
    AftersalesClient,
    FulfillmentClient,
    IngestClient,
    InsightsClient,
    NotifyClient,
    RulesClient,
    ServiceClient,
)
from console.pages import ANOMALY_READERS, CS_DESK, MANAGERS, ORDER_READERS, RULE_READERS, STOCK_KEEPERS
from console.sessions import COOKIE_NAME, SessionCodec, StaffSession
from console.settings import ConsoleSettings

TEMPLATES_DIR = Path(__file__).parent / "templates"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


class NotLoggedIn(Exception):
    """No valid session: pages redirect to the login page."""


class NotAllowed(Exception):
    """Logged in, but the role may not open this page."""

    def __init__(self, session: StaffSession, roles: tuple[Role, ...]) -> None:
        super().__init__(f"role {session.role} not in {roles}")
        self.session = session
        self.roles = roles


class CsrfRefused(Exception):
    """A POST without the session's CSRF token, or from another origin."""


@dataclass(frozen=True)
class ConsoleDeps:
    settings: ConsoleSettings
    staff: dict[str, StaffMember]
    sessions: SessionCodec
    secure_cookies: bool
    templates: Jinja2Templates
    ingest: IngestClient
    rules: RulesClient
    fulfillment: FulfillmentClient
    notify: NotifyClient
    aftersales: AftersalesClient
    insights: InsightsClient
    http: tuple[httpx.AsyncClient, ...]

    def services(self) -> dict[str, ServiceClient]:
        return {
            "ingest": self.ingest.client,
            "rules": self.rules.client,
            "fulfillment": self.fulfillment.client,
            "notify": self.notify.client,
            "aftersales": self.aftersales.client,
            **({"insights": self.insights.client} if self.insights.client is not None else {}),
        }

    async def close(self) -> None:
        for client in self.http:
            await client.aclose()


def build_deps(
    settings: ConsoleSettings, runtime: RuntimeSettings, transport: httpx.AsyncBaseTransport | None = None
) -> ConsoleDeps:
    """`transport` lets a test stand in for the services."""
    urls = settings.service_urls()
    timeout = settings.service_timeout_s
    http = {name: httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport) for name, url in urls.items()}
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    views.install_filters(templates.env)
    secure = settings.secure_cookies if settings.secure_cookies is not None else not runtime.is_local
    return ConsoleDeps(
        settings=settings,
        staff=runtime.staff_directory(),
        sessions=SessionCodec(settings.session_secret.get_secret_value(), settings.session_max_age_s),
        secure_cookies=secure,
        templates=templates,
        ingest=IngestClient(ServiceClient("ingest", http["ingest"])),
        rules=RulesClient(ServiceClient("rules", http["rules"])),
        fulfillment=FulfillmentClient(ServiceClient("fulfillment", http["fulfillment"])),
        notify=NotifyClient(ServiceClient("notify", http["notify"])),
        aftersales=AftersalesClient(ServiceClient("aftersales", http["aftersales"])),
        insights=InsightsClient(ServiceClient("insights", http["insights"]) if "insights" in http else None),
        http=tuple(http.values()),
    )


async def get_deps(request: Request) -> ConsoleDeps:
    deps: ConsoleDeps = request.app.state.deps
    return deps


Deps = Annotated[ConsoleDeps, Depends(get_deps)]


def current_session(request: Request, deps: ConsoleDeps) -> StaffSession:
    session = deps.sessions.decode(request.cookies.get(COOKIE_NAME))
    # The directory is read on every request: a token taken out of it ends its sessions.
    if session is None or session.token not in deps.staff:
        raise NotLoggedIn()
    return session


def require_role(*roles: Role) -> Callable[[Request], Awaitable[StaffSession]]:
    async def dependency(request: Request) -> StaffSession:
        session = current_session(request, await get_deps(request))
        if roles and session.role not in roles:
            raise NotAllowed(session, roles)
        request.state.session = session
        return session

    return dependency


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's CSRF token (form field or htmx header) and, when the
    browser says where it comes from, comes from this very origin."""
    session = current_session(request, await get_deps(request))
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfRefused()
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not session.csrf_matches(presented):
        raise CsrfRefused()


AnyStaff = Annotated[StaffSession, Depends(require_role())]
OrderReader = Annotated[StaffSession, Depends(require_role(*ORDER_READERS))]
CsDesk = Annotated[StaffSession, Depends(require_role(*CS_DESK))]
AnomalyReader = Annotated[StaffSession, Depends(require_role(*ANOMALY_READERS))]
StockKeeper = Annotated[StaffSession, Depends(require_role(*STOCK_KEEPERS))]
Manager = Annotated[StaffSession, Depends(require_role(*MANAGERS))]
RuleReader = Annotated[StaffSession, Depends(require_role(*RULE_READERS))]
CsrfChecked = Depends(check_csrf)
