"""Simulators of sales-channel open platforms."""
