"""Douyin shop (抖店) open platform simulator: signed open API and HTTP message push."""
