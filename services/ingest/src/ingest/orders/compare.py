"""Is a resubmitted channel order the same order? A retry of the same submission is answered
with the stored order; one that differs in what was bought, by whom, where to, when or for how
much is a different order under a reused number, and is refused."""

from __future__ import annotations

from orderhub_contracts.order import CanonicalOrder


def material_differences(stored: CanonicalOrder, incoming: CanonicalOrder) -> list[str]:
    """Names of the material fields that differ (empty: the same order). Remarks, memo and shop
    are not material: a retry never changes the order through them."""
    checks = {
        "items": stored.items == incoming.items,
        "receiver": stored.receiver == incoming.receiver,
        "created_at": stored.created_at == incoming.created_at,
        "paid_at": stored.paid_at == incoming.paid_at,
        "currency": stored.currency == incoming.currency,
        "discount_fen": stored.discount_fen == incoming.discount_fen,
    }
    return [name for name, same in checks.items() if not same]
