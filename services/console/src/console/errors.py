"""What a person sees when something goes wrong: the login page when the session is gone, a
page (or, for htmx, a message in the flash area) naming the problem in Chinese otherwise."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from orderhub_runtime.logging import get_logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console.clients import ServiceError
from console.deps import CsrfRefused, NotAllowed, NotLoggedIn, get_deps
from console.pages import ROLE_NAMES
from console.views import render

log = get_logger(__name__)
_SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        b"media-src 'self' data: blob:; frame-ancestors 'none'; form-action 'self'",
    ),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(_SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, with_headers)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def to_login(request: Request) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": "/login"})
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def problem(request: Request, message: str, status_code: int) -> Response:
    deps = await get_deps(request)
    session = getattr(request.state, "session", None)
    if is_htmx(request):
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        response = render(deps.templates, request, "_flash.html", session, message=message, kind="error")
        response.headers.update(headers)
        return response
    return render(deps.templates, request, "error.html", session, message=message, status_code=status_code)


def service_message(exc: ServiceError) -> str:
    if exc.status == 0:
        return f"{exc.service} 服务暂时无法连接，请稍后再试。"
    if exc.status == 403:
        return f"您的角色无权进行此操作（{exc.service}：{exc.message}）"
    if exc.status == 404:
        return f"未找到：{exc.message}"
    if exc.status == 409:
        return f"操作冲突：{exc.message}"
    return f"{exc.service} 返回错误 {exc.status}：{exc.message}"


def install_page_errors(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, _: NotLoggedIn) -> Response:
        return to_login(request)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        request.state.session = exc.session
        allowed = "、".join(ROLE_NAMES[r] for r in exc.roles)
        return await problem(request, f"此页面仅供{allowed}使用。", 403)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        log.warning("console.csrf_refused", path=request.url.path)
        return await problem(request, "请求已失效（安全校验未通过），请刷新页面后重试。", 403)

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> Response:
        if exc.status == 401:
            return to_login(request)
        log.warning("console.service_error", service=exc.service, status=exc.status, code=exc.code)
        return await problem(request, service_message(exc), 502 if exc.status in (0, 500) else exc.status)
