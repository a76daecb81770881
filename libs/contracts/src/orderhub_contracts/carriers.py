"""Carrier names as customers and warehouse staff know them, by the codes the carriers'
aggregators use (快递100's `com`: zhongtong, shunfeng ...; the short codes SF, ZTO ...).
Unknown codes are shown as they are."""

from __future__ import annotations

CARRIER_NAMES = {
    "SF": "顺丰速运",
    "SHUNFENG": "顺丰速运",
    "ZTO": "中通快递",
    "ZHONGTONG": "中通快递",
    "YTO": "圆通速递",
    "YUANTONG": "圆通速递",
    "STO": "申通快递",
    "SHENTONG": "申通快递",
    "YUNDA": "韵达快递",
    "JD": "京东物流",
    "EMS": "中国邮政EMS",
    "YOUZHENGGUONEI": "邮政快递包裹",
    "JTSD": "极兔速递",
    "JTEXPRESS": "极兔速递",
    "DEBANGKUAIDI": "德邦快递",
    "LOCAL": "本地快递",
}


def carrier_name(code: str) -> str:
    return CARRIER_NAMES.get(code.strip().upper(), code.strip())
