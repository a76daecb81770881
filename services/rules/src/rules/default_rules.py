"""The rule set a fresh installation starts with (stored as version 1 when `rule_sets` is empty):
the 17 rules of the design brief with their default thresholds, plus R12-ADDR (a remark asking
for an address change is level 2, not 1).

Examples are overrides of the baseline facts (a clean paid order at placement, engine/facts.py);
the example's `trigger` is the rule's first trigger unless the example names one.
"""

from __future__ import annotations

from typing import Any

DEFAULT_RULE_SET_VERSION = 1
# Rules about the receiver are checked again when the receiver changes after placement.
_RECEIVER = ["order.placed", "address.changed"]
# Address and phone rules (R01, R02, R03, R08) are about mainland China orders: they read the
# Chinese divisions and numbering plan, which a Shopee Malaysia order never matches.
SEEDED_BY = "system:default"

# A remark asking for a different address needs a person (level 2), not just a pick-list note.
ADDRESS_CHANGE_WORDS = [
    "改地址", "换地址", "地址改", "地址换", "变更地址", "地址变更", "地址有误", "地址错", "地址写错",
    "改收货地址", "改收件地址", "改一下地址", "换个地址", "新地址",
]  # fmt: skip
_ADDRESS_CHANGE = repr(ADDRESS_CHANGE_WORDS)

INVALID_NUMBER_ERRORS = ["invalid_phone", "invalid_number", "empty_number", "unassigned_number"]


def _hold(*actions: dict[str, str]) -> list[dict[str, str]]:
    return [{"kind": "hold"}, *actions]


def _popup(text: str) -> dict[str, str]:
    return {"kind": "popup", "target": "cs", "text": text}


def _wecom(target: str, text: str) -> dict[str, str]:
    return {"kind": "wecom", "target": target, "text": text}


DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "id": "R01",
        "name": "高风险地址",
        "level": 3,
        "description": "详细地址含村/屯/组且电话不是11位；电话为空时由 R06 处理，不重复派单",
        "on": _RECEIVER,
        "condition": "ships_to_mainland and is_village_address and receiver_phone != '' and not phone_is_11_digits",
        "actions": _hold(_wecom("regional_manager", "高风险地址：村/屯/组地址且电话不是11位，请核实后处理")),
        "examples": {
            "must_trigger": {"is_village_address": True, "receiver_phone": "0571888866", "phone_is_11_digits": False},
            "must_not_trigger": {"is_village_address": True, "receiver_detail": "红星村三组12号"},
        },
    },
    {
        "id": "R02",
        "name": "地址模糊",
        "level": 2,
        "description": "快递无法派送的地址：省或市不存在、区县不属于该城市、街道门牌部分少于5个字或没有门牌；"
        "功能区（工业园区、高新区等）、旧区划名、不设区的市照常放行；地址为空时由 R06 处理",
        "on": _RECEIVER,
        "condition": "ships_to_mainland and 'address' not in receiver_missing and address_problem != ''",
        "actions": _hold(_popup("地址无法派送，请按证据中的失败部分联系客户确认地址")),
        "examples": {
            "must_trigger": {"address_problem": "详细地址过短：“3号”"},
            "must_not_trigger": {"address_problem": ""},
        },
    },
    {
        "id": "R03",
        "name": "电话无效",
        "level": 2,
        "description": "不是有效的大陆手机号（libphonenumber 号段数据），或短信因号码无效发送失败",
        "on": [*_RECEIVER, "notification.failed"],
        "condition": "ships_to_mainland and ((trigger != 'notification.failed' and receiver_phone != '' "
        "and not phone_is_mainland_mobile) or "
        f"(trigger == 'notification.failed' and notification_channel == 'sms' "
        f"and notification_error in {INVALID_NUMBER_ERRORS!r}))",
        "actions": _hold(_popup("电话号码无效，请联系客户核实手机号")),
        "examples": {
            "must_trigger": {"receiver_phone": "12012345678", "phone_is_mainland_mobile": False},
            "must_not_trigger": {
                "trigger": "notification.failed",
                "notification_channel": "sms",
                "notification_error": "rate_limited",
            },
        },
    },
    {
        "id": "R04",
        "name": "未支付",
        "level": 1,
        "description": "下单15分钟后仍未支付：给客户发一次催付短信",
        "on": ["payment.overdue"],
        "condition": "not is_paid and unpaid_minutes >= 15",
        "actions": [{"kind": "sms", "target": "customer", "text": "您的订单即将关闭，请及时付款"}],
        "examples": {
            "must_trigger": {"is_paid": False, "unpaid_minutes": 15},
            "must_not_trigger": {"is_paid": False, "unpaid_minutes": 14},
        },
    },
    {
        "id": "R05",
        "name": "限购超量",
        "level": 2,
        "description": "限购SKU：同一电话当天（上海时间，跨渠道）下单超过3次",
        "condition": "max_limited_sku_orders_today > 3",
        "actions": _hold(_popup("触发限购规则，需人工复核身份")),
        "examples": {
            "must_trigger": {"limited_skus_in_order": ["KT-1001"], "max_limited_sku_orders_today": 4},
            "must_not_trigger": {"limited_skus_in_order": ["KT-1001"], "max_limited_sku_orders_today": 3},
        },
    },
    {
        "id": "R06",
        "name": "收货信息缺失",
        "level": 3,
        "description": "收货人姓名、电话或地址为空",
        "on": _RECEIVER,
        "condition": "len(receiver_missing) > 0",
        "actions": _hold(_wecom("regional_manager", "收货信息缺失，请联系客户补全后放行")),
        "examples": {
            "must_trigger": {"receiver_missing": ["phone"]},
            "must_not_trigger": {"receiver_missing": []},
        },
    },
    {
        "id": "R07",
        "name": "重复下单",
        "level": 2,
        "description": "同一电话、同样的SKU在10分钟内再次下单（任意渠道）",
        "condition": "receiver_phone != '' and 0 <= same_order_gap_minutes < 10",
        "actions": _hold(_popup("疑似重复下单：同一电话同样商品10分钟内再次下单，请与客户确认")),
        "examples": {
            "must_trigger": {"same_order_gap_minutes": 9},
            "must_not_trigger": {"same_order_gap_minutes": 10},
        },
    },
    {
        "id": "R08",
        "name": "不配送区域",
        "level": 2,
        "description": "收货地区被设置为不配送（按解析后的现行省/市/区县或功能区匹配，旧区划名按现名）",
        "on": _RECEIVER,
        "condition": "ships_to_mainland and region_not_served",
        "actions": _hold(_popup("收货地区不在配送范围，请联系客户更换地址或取消")),
        "examples": {"must_trigger": {"region_not_served": True}, "must_not_trigger": {"region_not_served": False}},
    },
    {
        "id": "R09",
        "name": "缺货",
        "level": 2,
        "description": "仓库无法预留库存",
        "on": ["stock.shortage"],
        "condition": "len(short_skus) > 0",
        "actions": _hold(_popup("库存不足，请联系客户协商等待或取消")),
        "examples": {"must_trigger": {"short_skus": ["KT-1001"]}, "must_not_trigger": {"short_skus": []}},
    },
    {
        "id": "R10",
        "name": "价格异常",
        "level": 3,
        "description": "实付低于标价合计的50%，或实付为0",
        "condition": "paid_total_fen == 0 or paid_total_fen * 2 < list_total_fen",
        "actions": _hold(_wecom("ops_manager", "价格异常：实付低于标价五折或为0，请核实")),
        "examples": {
            "must_trigger": {"paid_total_fen": 9949, "list_total_fen": 19900},
            "must_not_trigger": {"paid_total_fen": 9950, "list_total_fen": 19900},
        },
    },
    {
        "id": "R11",
        "name": "大额订单",
        "level": 2,
        "description": "实付 ≥ ¥2,000（外币按参考汇率折算），或同一SKU ≥ 10件",
        "condition": "paid_total_cny_fen >= 200000 or max_sku_quantity >= 10",
        "actions": [{"kind": "hold"}],
        "examples": {
            "must_trigger": {"paid_total_cny_fen": 200000},
            "must_not_trigger": {"paid_total_cny_fen": 199999, "max_sku_quantity": 9},
        },
    },
    {
        "id": "R12",
        "name": "备注需关注",
        "level": 1,
        "description": "有买家留言或卖家备注（发票、赠品、送货时间等），备注随拣货单打印；要求改地址的备注归 R12-ADDR",
        "on": ["order.placed", "remarks.changed"],
        "condition": f"has_remark and not contains_any(remark_text, {_ADDRESS_CHANGE})",
        "actions": [{"kind": "tag", "target": "pick_list", "text": "备注需关注"}],
        "examples": {
            "must_trigger": {"has_remark": True, "buyer_remark": "需要开发票", "remark_text": "需要开发票"},
            "must_not_trigger": {"has_remark": True, "buyer_remark": "请改地址到上海", "remark_text": "请改地址到上海"},
        },
    },
    {
        "id": "R12-ADDR",
        "name": "备注要求改地址",
        "level": 2,
        "description": "买家留言或卖家备注要求修改收货地址，需客服核实",
        "on": ["order.placed", "remarks.changed"],
        "condition": f"contains_any(remark_text, {_ADDRESS_CHANGE})",
        "actions": _hold(_popup("客户备注要求修改地址，请核实新地址后处理")),
        "examples": {
            "must_trigger": {"has_remark": True, "seller_memo": "客户来电要换地址", "remark_text": "客户来电要换地址"},
            "must_not_trigger": {"has_remark": True, "buyer_remark": "需要开发票", "remark_text": "需要开发票"},
        },
    },
    {
        "id": "R13",
        "name": "黑名单",
        "level": 3,
        "description": "收货电话或收货地址在黑名单上",
        "on": _RECEIVER,
        "condition": "phone_blacklisted or address_blacklisted",
        "actions": _hold(_wecom("ops_manager", "黑名单电话或地址下单，请核实后处理")),
        "examples": {
            "must_trigger": {"address_blacklisted": True},
            "must_not_trigger": {"phone_blacklisted": False, "address_blacklisted": False},
        },
    },
    {
        "id": "R14",
        "name": "预售现货混合",
        "level": 1,
        "description": "同一订单既有预售又有现货商品：拆单发货，现货先发",
        "condition": "has_presale and has_in_stock",
        "actions": [{"kind": "tag", "target": "fulfillment", "text": "拆单发货：现货先发，预售到期再发"}],
        "examples": {
            "must_trigger": {"has_presale": True, "has_in_stock": True},
            "must_not_trigger": {"has_presale": True, "has_in_stock": False},
        },
    },
    {
        "id": "R15",
        "name": "已打单改地址",
        "level": 3,
        "description": "运单号已生成后要求改地址：拦截包裹，企业微信通知仓库主管",
        "on": ["address.changed"],
        "condition": "waybill_exists",
        "actions": _hold(_wecom("warehouse_lead", "已打单订单要求改地址：请拦截包裹，按新地址重新打单")),
        "examples": {"must_trigger": {"waybill_exists": True}, "must_not_trigger": {"waybill_exists": False}},
    },
    {
        "id": "R16",
        "name": "发货超时风险",
        "level": 2,
        "description": "现货订单距24小时发货时限不足4小时仍未发货",
        "on": ["ship_deadline.near"],
        "condition": "has_in_stock and not is_shipped and minutes_to_ship_deadline < 240",
        "actions": _hold(_wecom("warehouse_group", "发货超时风险：距发货时限不足4小时仍未发货，请优先处理")),
        "examples": {
            "must_trigger": {"minutes_to_ship_deadline": 239},
            "must_not_trigger": {"minutes_to_ship_deadline": 240},
        },
    },
    {
        "id": "R17",
        "name": "物流异常",
        "level": 2,
        "description": "已发货但48小时无物流更新，或快递退回",
        "on": ["logistics.check"],
        "condition": "is_shipped and (hours_since_tracking_update >= 48 or carrier_returned)",
        "actions": _hold(_popup("物流异常：48小时无物流更新或快递退回，请联系快递和客户")),
        "examples": {
            "must_trigger": {"is_shipped": True, "hours_since_tracking_update": 48},
            "must_not_trigger": {"is_shipped": True, "hours_since_tracking_update": 47},
        },
    },
]
