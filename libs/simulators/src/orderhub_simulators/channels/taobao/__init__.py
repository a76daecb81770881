"""Taobao/Tmall open platform simulator: TOP gateway and TMC message channel."""
