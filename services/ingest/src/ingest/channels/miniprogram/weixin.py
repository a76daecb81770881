"""The WeChat server API the mini-program needs: `code2session` (GET /sns/jscode2session), which
turns the code from wx.login into the user's openid and session_key. Errors come as `errcode`."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ingest.channels.base import PlatformError


class LoginRefused(Exception):
    """WeChat refused the code (invalid, used, expired, or a high-risk user): the customer must log in again."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"code2session errcode {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


@dataclass(frozen=True, slots=True)
class WeixinSession:
    openid: str
    session_key: str
    unionid: str = ""


# errcode values that mean "this code is no good", as opposed to our credentials or WeChat failing.
_CODE_ERRORS = frozenset({40029, 40163, 40226})


async def code2session(http: httpx.AsyncClient, *, base_url: str, appid: str, secret: str, code: str) -> WeixinSession:
    params = {"appid": appid, "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    try:
        response = await http.get(f"{base_url}/sns/jscode2session", params=params)
        payload = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise PlatformError(f"code2session: {type(exc).__name__}: {exc}") from exc
    errcode = int(payload.get("errcode") or 0)
    if errcode in _CODE_ERRORS:
        raise LoginRefused(errcode, str(payload.get("errmsg", "")))
    if errcode or not payload.get("openid"):
        raise PlatformError(f"code2session errcode {errcode}: {payload.get('errmsg', '')}")
    return WeixinSession(str(payload["openid"]), str(payload.get("session_key", "")), str(payload.get("unionid", "")))
