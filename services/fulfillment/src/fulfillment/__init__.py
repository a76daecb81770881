"""Fulfillment service: stock and reservations, outbound orders (出库单), waybills and holds."""
