"""Who pays the money back. Mini-program orders: WeChat Pay v3 (`wechatpay.py`); platform orders
are refunded on the platform and only recorded here. The local provider answers like WeChat Pay
(the same out_refund_no is the same refund) without a network, for local mode and tests."""

from __future__ import annotations

from typing import Protocol

from aftersales.refunds.model import RefundAnswer, RefundRequest


class RefundProvider(Protocol):
    async def refund(self, request: RefundRequest) -> RefundAnswer:
        """Refund `request.amount_fen`; asking again with the same refund_no answers the same refund."""
        ...

    async def aclose(self) -> None: ...


class LocalRefunds:
    """In-process and idempotent by refund number, like the real one."""

    def __init__(self) -> None:
        self.refunds: dict[str, RefundRequest] = {}

    async def refund(self, request: RefundRequest) -> RefundAnswer:
        self.refunds.setdefault(request.refund_no, request)
        return RefundAnswer(provider_refund_id=f"LOCAL{request.refund_no}", status="SUCCESS")

    async def aclose(self) -> None:
        return None
