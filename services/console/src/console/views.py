"""What the templates show: Chinese names for statuses, channels and levels, Asia/Shanghai
times, money in yuan, and the page renderer that adds the navigation and the CSRF token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment
from orderhub_contracts.timezone import SHANGHAI, now_shanghai

from console.pages import ROLE_NAMES, pages_for
from console.sessions import StaffSession

STATUS_NAMES = {
    "created": "已创建",
    "validated": "已校验",
    "allocated": "已分配",
    "shipped": "已发货",
    "delivered": "已签收",
    "completed": "已完成",
    "on_hold": "挂起",
    "after_sales": "售后中",
    "cancelled": "已取消",
}
CHANNEL_NAMES = {
    "phone": "电话",
    "taobao": "淘宝",
    "pinduoduo": "拼多多",
    "douyin": "抖店",
    "shopee": "Shopee",
    "miniprogram": "小程序",
}
LEVEL_NAMES = {1: "提醒", 2: "复核", 3: "拦截"}
ANOMALY_STATUS_NAMES = {"open": "待处理", "acknowledged": "已受理", "resolved": "已解决"}
RESOLUTION_NAMES = {"released": "已放行", "cancelled": "已取消订单", "cleared": "自动解除", "automatic": "自动完成"}
OUTBOUND_STATUS_NAMES = {
    "created": "待拣货",
    "picking": "拣货中",
    "intercepted": "已拦截",
    "cancelled": "已取消",
    "shipped": "已发出",
}
JOB_STATUS_NAMES = {"queued": "排队中", "retrying": "重试中", "printed": "已打印"}
RUN_STATUS_NAMES = {"annotated": "已加备注", "printed": "已送打印", "failed": "失败"}
MESSAGE_STATUS_NAMES = {"queued": "排队", "sending": "发送中", "sent": "已发送", "failed": "失败", "held": "暂缓"}


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment.astimezone(SHANGHAI)


def shanghai_time(value: Any, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    moment = parse_time(value)
    return moment.strftime(fmt) if moment is not None else "—"


def age(value: Any) -> str:
    """How long ago, in words: 刚刚, 12 分钟, 3 小时 5 分, 2 天."""
    moment = parse_time(value)
    if moment is None:
        return "—"
    minutes = int((now_shanghai() - moment).total_seconds() // 60)
    if minutes < 1:
        return "刚刚"
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 24 * 60:
        return f"{minutes // 60} 小时 {minutes % 60} 分"
    return f"{minutes // (24 * 60)} 天"


def money(fen: Any, currency: str = "CNY") -> str:
    if not isinstance(fen, int):
        return "—"
    symbol = "¥" if currency == "CNY" else f"{currency} "
    sign = "-" if fen < 0 else ""
    return f"{sign}{symbol}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def install_filters(env: Environment) -> None:
    env.filters["sh_time"] = shanghai_time
    env.filters["age"] = age
    env.filters["money"] = money
    env.filters["status_name"] = lambda v: STATUS_NAMES.get(str(v), str(v))
    env.filters["channel_name"] = lambda v: CHANNEL_NAMES.get(str(v), str(v))
    env.filters["level_name"] = lambda v: LEVEL_NAMES.get(v, str(v)) if isinstance(v, int) else str(v)
    env.filters["anomaly_status"] = lambda v: ANOMALY_STATUS_NAMES.get(str(v), str(v))
    env.filters["resolution_name"] = lambda v: RESOLUTION_NAMES.get(str(v), str(v)) if v else ""
    env.filters["message_status"] = lambda v: MESSAGE_STATUS_NAMES.get(str(v), str(v))
    env.filters["outbound_status"] = lambda v: OUTBOUND_STATUS_NAMES.get(str(v), str(v))
    env.filters["job_status"] = lambda v: JOB_STATUS_NAMES.get(str(v), str(v))
    env.filters["run_status"] = lambda v: RUN_STATUS_NAMES.get(str(v), str(v))


def render(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    session: StaffSession | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page (or an htmx fragment) with what every page needs: who is logged in, their
    navigation and the CSRF token forms and htmx requests send back."""
    base: dict[str, Any] = {
        "session": session,
        "role_name": ROLE_NAMES.get(session.role, session.role) if session else "",
        "nav": pages_for(session.role) if session else [],
        "csrf": session.csrf if session else "",
        "current": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
