"""Douyin shop (抖店): HTTP push, signed open API (order.orderDetail, order.searchList,
order.batchDecrypt)."""
