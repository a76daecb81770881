"""Taobao/Tmall intake: TMC push, TOP API detail fetch and OAID decrypt, incremental sync."""
