"""Simulators of message providers (SMS, WeCom)."""
