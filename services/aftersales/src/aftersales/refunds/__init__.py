"""Refunds: the amount from the returned lines, the ledger that never pays twice, the providers."""
