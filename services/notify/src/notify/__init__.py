"""Notify service: renders message templates for domain events, routes them to the customer's
phone or a WeCom user or group, delivers them through SMS / WeCom providers exactly once per
(event, template, recipient), and keeps the delivery log."""
