"""Outbound orders (出库单): allocation, the awaiting-stock queue, holds and cancellations."""
