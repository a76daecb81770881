"""Shopee Open Platform v2 simulator (Shopee MY): signed order API and HTTP push."""
