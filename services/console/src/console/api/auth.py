"""Logging in with the staff token, logging out, and the landing page of each role."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from orderhub_runtime.logging import get_logger

from console.deps import AnyStaff, CsrfChecked, Deps, current_session
from console.pages import home_for
from console.sessions import COOKIE_NAME, LOGIN_CSRF_COOKIE
from console.views import render

log = get_logger(__name__)
router = APIRouter(tags=["login"])


@router.get("/")
async def landing(session: AnyStaff) -> RedirectResponse:
    return RedirectResponse(home_for(session.role), status_code=303)


@router.get("/login")
async def login_page(request: Request, deps: Deps, next: str = "") -> Response:
    return _login_form(request, deps, next, error="")


def _login_form(request: Request, deps: Deps, next_path: str, *, error: str, status_code: int = 200) -> Response:
    # Before a session exists, the login form is protected by a double-submit token.
    token = secrets.token_urlsafe(24)
    response = render(
        deps.templates,
        request,
        "login.html",
        None,
        login_csrf=token,
        next=next_path,
        error=error,
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=deps.secure_cookies, max_age=3600
    )
    return response


@router.post("/login")
async def login(
    request: Request,
    deps: Deps,
    token: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_form(request, deps, next, error="页面已过期，请重新输入。", status_code=403)
    member = deps.staff.get(token.strip())
    if member is None:
        log.info("console.login_refused")
        return _login_form(request, deps, next, error="令牌无效，请检查后重试。", status_code=401)
    session = deps.sessions.open(token.strip(), member)
    log.info("console.logged_in", staff=member.name, role=member.role)
    target = next if next.startswith("/") and not next.startswith("//") else home_for(member.role)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        deps.sessions.encode(session),
        httponly=True,
        samesite="lax",
        secure=deps.secure_cookies,
        max_age=deps.settings.session_max_age_s,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request, deps: Deps) -> RedirectResponse:
    session = current_session(request, deps)
    log.info("console.logged_out", staff=session.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response
