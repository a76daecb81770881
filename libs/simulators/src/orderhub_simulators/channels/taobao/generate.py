"""Seeded batches of realistic orders (`POST /_sim/generate`) for tests: receivers across provinces
(including province-administered counties such as 济源, whose Taobao address has no city), a product
catalogue, remarks, coupons on the first line and the odd presale. Shared by the Taobao and Pinduoduo
simulators. (A continuous stream of orders and changes comes from `python -m orderhub_simulators --feed`.)"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from random import Random


@dataclass(frozen=True)
class Person:
    name: str
    mobile: str
    province: str
    city: str  # "" for a province-administered county (Taobao puts it in the district field)
    district: str
    street: str
    detail: str


PEOPLE = (
    Person("张伟", "13812345678", "浙江省", "杭州市", "西湖区", "文新街道", "文三路100号3幢502室"),
    Person("王芳", "13987654321", "广东省", "深圳市", "南山区", "粤海街道", "科技园南区8栋1201"),
    Person("李娜", "15011112222", "北京市", "北京市", "朝阳区", "望京街道", "阜通东大街6号院3号楼"),
    Person("刘洋", "18622223333", "河南省", "", "济源市", "沁园街道", "济水大街中段66号"),
    Person("陈静", "17733334444", "四川省", "成都市", "武侯区", "玉林街道", "玉林北路2号附5号"),
    Person("杨磊", "13344445555", "广东省", "潮州市", "潮安区", "彩塘镇", "王厝宫路8号"),
    Person("赵敏", "15955556666", "上海市", "上海市", "浦东新区", "花木街道", "锦绣路1001弄12号"),
    Person("周杰", "18466667777", "湖北省", "", "仙桃市", "干河街道", "钱沟路18号"),
)

PRODUCTS = (
    ("HUM-01", "静音加湿器 4L", Decimal("129.00")),
    ("HUM-02", "大雾量加湿器 6L", Decimal("199.00")),
    ("FAN-02", "落地扇 七叶", Decimal("94.00")),
    ("AC-1001", "变频空调 1.5匹", Decimal("2599.00")),
    ("KET-03", "电热水壶 1.7L", Decimal("59.90")),
    ("PUR-05", "空气净化器", Decimal("899.00")),
)

REMARKS = ("", "", "", "周末送货", "请用顺丰", "放门口就行", "送人的，不要放发票")
MEMOS = ("", "", "", "老客户，送小样", "加急")


@dataclass(frozen=True)
class Line:
    sku: str
    title: str
    quantity: int
    price: Decimal
    paid: Decimal


@dataclass(frozen=True)
class Draft:
    """One generated order, before it is shaped like a platform's payload."""

    person: Person
    lines: tuple[Line, ...]
    post_fee: Decimal
    coupon: Decimal
    remark: str
    memo: str
    presale: bool

    @property
    def goods(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0"))

    @property
    def payment(self) -> Decimal:
        return sum((line.paid for line in self.lines), Decimal("0")) + self.post_fee


def draft(rng: Random) -> Draft:
    lines = []
    for sku, title, price in rng.sample(PRODUCTS, rng.choice((1, 1, 1, 2))):
        quantity = rng.choice((1, 1, 2, 3))
        lines.append(Line(sku, title, quantity, price, price * quantity))
    coupon = Decimal(rng.choice((0, 0, 5, 10))) if lines[0].paid > 20 else Decimal("0")
    first = lines[0]
    lines[0] = Line(first.sku, first.title, first.quantity, first.price, first.paid - coupon)  # coupon on line 1
    return Draft(
        person=rng.choice(PEOPLE),
        lines=tuple(lines),
        post_fee=Decimal(rng.choice(("0.00", "0.00", "8.00"))),
        coupon=coupon,
        remark=rng.choice(REMARKS),
        memo=rng.choice(MEMOS),
        presale=rng.random() < 0.1,
    )


def _mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1)


def taobao_trade(d: Draft, tid: int, now_text: str) -> tuple[dict[str, object], dict[str, object]]:
    """A fullinfo trade (receiver masked, as TOP returns it with an OAID) and the plaintext behind the OAID."""
    p = d.person
    oaid = f"OAID{tid:x}"
    trade: dict[str, object] = {
        "tid": tid,
        "tid_str": str(tid),
        "status": "WAIT_SELLER_SEND_GOODS",
        "type": "step" if d.presale else "fixed",
        "created": now_text,
        "pay_time": now_text,
        "modified": now_text,
        "payment": f"{d.payment:.2f}",
        "post_fee": f"{d.post_fee:.2f}",
        "total_fee": f"{d.goods:.2f}",
        "discount_fee": f"{d.coupon:.2f}",
        "buyer_message": d.remark,
        "seller_memo": d.memo,
        "oaid": oaid,
        "receiver_name": _mask_name(p.name),
        "receiver_mobile": p.mobile[:3] + "****" + p.mobile[-4:],
        "receiver_state": p.province,
        "receiver_city": p.city,
        "receiver_district": p.district,
        "receiver_town": p.street,
        "receiver_address": "**********",
        "orders": {
            "order": [
                {
                    "oid": tid * 10 + i,
                    "outer_sku_id": line.sku,
                    "title": line.title,
                    "num": line.quantity,
                    "price": f"{line.price:.2f}",
                    "payment": f"{line.paid:.2f}",
                    "divide_order_fee": f"{line.paid:.2f}",
                    "refund_status": "NO_REFUND",
                    "status": "WAIT_SELLER_SEND_GOODS",
                }
                for i, line in enumerate(d.lines, start=1)
            ]
        },
    }
    if d.presale:
        trade["step_trade_status"] = "FRONT_PAID_FINAL_NOPAID"
    receiver: dict[str, object] = {
        "name": p.name,
        "mobile": p.mobile,
        "state": p.province,
        "city": p.city,
        "district": p.district,
        "town": p.street,
        "address_detail": p.detail,
    }
    return trade, receiver


def pdd_order(d: Draft, order_sn: str, now_text: str) -> dict[str, object]:
    """An order_info with plaintext receiver fields (the Pinduoduo simulator stores them encrypted).
    POP's `town` is the district level and `address` repeats the region in front of the detail."""
    p = d.person
    city = p.city or p.district  # PDD names a province-administered county as the city as well
    info: dict[str, object] = {
        "order_sn": order_sn,
        "order_status": 1,
        "confirm_status": 1,
        "refund_status": 1,
        "group_status": 1,
        "created_time": now_text,
        "confirm_time": now_text,
        "pay_time": now_text,
        "updated_at": now_text,
        "pay_amount": f"{d.payment:.2f}",
        "goods_amount": f"{d.goods:.2f}",
        "postage": f"{d.post_fee:.2f}",
        "discount_amount": f"{d.goods + d.post_fee - d.payment:.2f}",
        "seller_discount": f"{d.coupon:.2f}",
        "receiver_name": p.name,
        "receiver_phone": p.mobile,
        "province": p.province,
        "city": city,
        "town": p.district,
        "address": f"{p.province}{city}{p.district}{p.street}{p.detail}",
        "receiver_address": f"{p.street}{p.detail}",
        "buyer_memo": d.remark,
        "remark": d.memo,
        "is_pre_sale": 1 if d.presale else 0,
        "item_list": [
            {
                "goods_id": 1000 + i,
                "sku_id": 2000 + i,
                "outer_id": line.sku,
                "goods_name": line.title,
                "goods_count": line.quantity,
                "goods_price": f"{line.price:.2f}",
            }
            for i, line in enumerate(d.lines, start=1)
        ],
    }
    return info
