"""Shopee Open Platform v2 (Shopee MY): HTTP push, signed v2 API (v2.order.get_order_detail,
v2.order.get_order_list)."""
