"""Completion (交易完成): a delivered order is completed a while after delivery unless an
after-sales case is open. The timer lives here because fulfillment learns of the delivery; the
open cases come from aftersales.v1."""
