"""Which pages exist and who may open them: the navigation, and each page's role check."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub_runtime.settings import Role


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    title: str
    roles: tuple[Role, ...]


CS_DESK: tuple[Role, ...] = ("cs", "manager")
ORDER_READERS: tuple[Role, ...] = ("cs", "manager", "ops", "warehouse")
ANOMALY_READERS: tuple[Role, ...] = ("cs", "manager", "ops")
STOCK_KEEPERS: tuple[Role, ...] = ("warehouse", "manager")
MANAGERS: tuple[Role, ...] = ("manager",)
RULE_READERS: tuple[Role, ...] = ("manager", "ops")

PAGES: tuple[Page, ...] = (
    Page("search", "/orders", "订单查询", ORDER_READERS),
    Page("anomalies", "/anomalies", "异常队列", ANOMALY_READERS),
    Page("returns", "/returns", "退货审核", CS_DESK),
    Page("board", "/board", "发货看板", STOCK_KEEPERS),
    Page("printing", "/printing", "打印与WMS", STOCK_KEEPERS),
    Page("pda", "/pda", "PDA", STOCK_KEEPERS),
    Page("stock", "/stock", "库存", STOCK_KEEPERS),
    Page("kpi", "/kpi", "指标", MANAGERS),
    Page("heat", "/heat", "热力分析", MANAGERS),
    Page("routing", "/return-routing", "退货分派", MANAGERS),
    Page("rules", "/rules", "异常规则", RULE_READERS),
)

ROLE_NAMES: dict[str, str] = {"cs": "客服", "warehouse": "仓储", "manager": "主管", "ops": "运维"}


def pages_for(role: str) -> list[Page]:
    return [page for page in PAGES if role in page.roles]


HOMES = {"cs": "/anomalies", "warehouse": "/board", "manager": "/kpi", "ops": "/orders"}


def home_for(role: str) -> str:
    """The page a person lands on after logging in: where their day's work is."""
    return HOMES.get(role, "/orders")
