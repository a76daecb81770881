"""Resolving a receiver's address to the divisions couriers sort by, for R02 and R08.

Names may be split over the fields as each channel sends them or only in the free text (苏州园区
星湖街328号), in full or short form, old (闸北区, 襄樊市) or new; municipalities written as 北京,
北京市 or 市辖区; functional zones (苏州工业园区, 长春高新区); county-level cities under the province
(济源市); cities without districts (东莞市: towns instead); Hong Kong, Macau and Taiwan.

An address is deliverable when what it names exists and fits together and the rest (street and
door) is long enough to find the door. A missing district is not a problem: couriers sort a valid
city and street. What failed, if anything, is named in `problem` for the evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from orderhub_contracts.address import Receiver

from rules.engine.divisions import PLACEHOLDER_CITIES, Division, Entry, divisions

MIN_DETAIL = 5  # characters of street + door: fewer cannot find a door (文三路1号 is 5)
# Whitespace and separators people type between the parts.
_NOISE = re.compile(r"[\s,，、;；:：/|\-—_()（）\[\]【】]+")
_COUNTRY = re.compile(r"^(中华人民共和国|中国大陆|中国)")
# After a short name (朝阳), these start a street (朝阳北路) or a longer name (淮安 + 区 is 淮安区, not
# the city 淮安 again), not the rest of an address.
_NOT_AFTER_SHORT = re.compile(r"[东西南北中]?[路街巷弄道]|大[道街]|[区县市旗州盟镇乡]")
# Something to find a door by: a number, or a place word (村, 小区, 大厦, 号, 室 ...).
_DOOR = re.compile(
    r"[0-9０-９一二三四五六七八九十百零〇]|[号栋幢楼室座层单元弄巷村组屯庄苑园府院厦场站店厂司校学馆局所部堂队社舍]"
)
# The types of functional zone: a name of that shape the data set does not list is a zone couriers
# know under its city (zones come and go faster than data sets), not a wrong district.
# A city field under a municipality, Hong Kong or Macau that is not a city name (香港 + 新界) is a part of it.
_CITY_SHAPE = re.compile(r"(市|州|盟|地区)$")
_ZONE_TYPES = r"(开发区|园区|高新区|经开区|新区|新城|管理区|示范区|试验区|合作区|保税区|港区|产业园)"
_ZONE_SHAPE = re.compile(_ZONE_TYPES + "$")
_ZONE_IN_TEXT = re.compile(r"^[\u4e00-\u9fff]{0,8}?" + _ZONE_TYPES)


@dataclass(frozen=True, slots=True)
class ResolvedAddress:
    province: str  # full official names; "" where unresolved
    city: str
    district: str  # district, county or functional zone; "" if none was named or the city has none
    resolved: bool  # province, city and (where the city has any) district all resolved
    street: str  # what is left of the address after the division names
    town: str = ""  # the town or street (镇/街道) of a city without districts
    codes: tuple[str, str, str] = ("", "", "")  # province, city, district codes
    problem: str = ""  # why a courier could not deliver, for the evidence; "" if deliverable
    notes: tuple[str, ...] = field(default=())  # how names were read: old names, unlisted zones

    @property
    def deliverable(self) -> bool:
        return not self.problem

    @property
    def division_code(self) -> str:
        """The most precise code resolved (district, else city, else province)."""
        return next((c for c in reversed(self.codes) if c), "")

    def record(self) -> dict[str, object]:
        """As kept on the order (rules.orders.resolved_address)."""
        return {
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "town": self.town,
            "street": self.street,
            "codes": {"province": self.codes[0], "city": self.codes[1], "district": self.codes[2]},
            "deliverable": self.deliverable,
            "problem": self.problem,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """What the system understood, as customer service reads it."""
        names = " ".join(p for p in (self.province, self.city, self.district, self.town) if p)
        code = f"（{self.division_code}）" if self.division_code else ""
        return f"{names}{code} {self.street}".strip()


def _clean(value: str) -> str:
    return _NOISE.sub("", value)


def _prefix(text: str, parent: str) -> tuple[Entry | None, int]:
    """The longest name under `parent` that starts `text`; a short form only if a street does not
    follow it."""
    data = divisions()
    for n in range(min(data.longest.get(parent, 0), len(text)), 1, -1):
        entry = data.lookup(parent, text[:n])
        if entry is not None and (entry.full or not _NOT_AFTER_SHORT.match(text, n)):
            return entry, n
    return None, 0


def _strip_names(text: str, *found: Division | None) -> str:
    """Drop division names the text repeats in front (江苏省苏州市工业园区... typed in the detail)."""
    changed = True
    while changed and text:
        changed = False
        for division in found:
            if division is None:
                continue
            entry, n = _prefix(text, division.parent)
            if entry is not None and entry.division.path == division.path:
                text, changed = text[n:], True
    return text


class _Reading:
    """One resolution in progress: what has been found so far and what went wrong."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.province: Division | None = None
        self.province_text = ""  # the text the province was read from (吉林 may be the city)
        self.city: Division | None = None
        self.district: Division | None = None
        self.town: Division | None = None
        self.problem = ""
        self.notes: list[str] = []

    def take(self, entry: Entry) -> Division:
        if entry.old:
            self.notes.append(f"旧称：{entry.old}")
        return entry.division

    def fail(self, problem: str) -> None:
        self.problem = self.problem or problem


def _province(r: _Reading, given: str) -> None:
    data = divisions()
    if given:
        entry = data.lookup("", given)
        if entry is None:
            r.fail(f"省份不存在：{given}")
            return
        r.province = r.take(entry)
    else:
        entry, n = _prefix(r.text, "")
        if entry is not None:
            r.province, r.province_text, r.text = r.take(entry), r.text[:n], r.text[n:]


def _city_by_name(r: _Reading, given: str) -> None:
    """A city field with no province to look it up under, or under another province."""
    found = [d for d in divisions().anywhere.get(given, []) if d.level == "city"]
    if r.province is None and len(found) == 1:
        r.city = found[0]
        r.province = divisions().by_path[found[0].parent]
    elif r.province is not None and found:
        r.fail(f"城市不属于该省份：{given}不在{r.province.name}")
    else:
        r.fail(f"城市不存在：{given}")


def _city(r: _Reading, given: str, district: str) -> None:
    data = divisions()
    only = data.only_city(r.province) if r.province else None
    if given and given not in PLACEHOLDER_CITIES:
        entry = data.lookup(r.province.path, given) if r.province else None
        if entry is not None and entry.division.level == "city":
            r.city = r.take(entry)
        elif only is not None and r.province is not None:
            r.city = only  # 北京 + 北京 / 香港 + 九龙: the field names the city or a part of it
            if entry is None and data.lookup(only.path, given) is None and _CITY_SHAPE.search(given):
                r.fail(f"城市不存在：{given}")
        else:
            _city_by_name(r, given)
        return
    if only is not None:
        r.city = only
        return
    if district and r.province is not None:  # 省直辖县级行政区划 + 济源市
        entry = data.lookup(r.province.path, district)
        if entry is not None and entry.division.level == "city":
            r.city = r.take(entry)
            return
    parents = [r.province.path] if r.province else sorted({e.division.path for e in data.children("").values()})
    for parent in parents:
        entry, n = _prefix(r.text, parent)
        if entry is not None and entry.division.level == "city":
            r.city, r.text = r.take(entry), r.text[n:]
            r.province = r.province or data.by_path[r.city.parent]
            return
    entry = data.lookup(r.province.path, r.province_text) if r.province and r.province_text else None
    if entry is not None and entry.division.level == "city":  # 吉林 + 中新食品区: the city 吉林
        r.city = r.take(entry)


def _place(r: _Reading, division: Division) -> None:
    """A district-level name was found: a district, zone or town; or a merged old district that
    only tells its city (which may be another city now, 巢湖市无为县 -> 芜湖市)."""
    if division.level == "city":
        r.city = division
    elif division.level == "town":
        r.town = division
    else:
        r.district = division
        r.city = divisions().by_path[division.parent]


def _district(r: _Reading, given: str) -> None:
    data = divisions()
    city = r.city
    if city is None or r.problem:
        return
    if given and given not in (city.name, r.province.name if r.province else ""):
        entry = data.lookup(city.path, given)
        if entry is not None:
            _place(r, r.take(entry))
        elif any(d.level in ("district", "zone") for d in data.anywhere.get(given, [])):
            r.fail(f"区县不属于该城市：{given}不在{city.name}")
        elif _ZONE_SHAPE.search(given) or city.path in data.towns_only:
            r.notes.append(f"{given}未收录为区县，按{city.name}派送")
        else:
            r.fail(f"区县不存在：{given}")
        if r.problem or r.district is not None or r.town is not None:
            return
    entry, n = _prefix(r.text, city.path)
    if entry is None:  # 淮安市 + 淮安区: try the district before dropping a repeated city name
        r.text = _strip_names(r.text, r.province, r.city)
        entry, n = _prefix(r.text, city.path)
    if entry is not None:
        _place(r, r.take(entry))
        r.text = r.text[n:]
    zone = _ZONE_IN_TEXT.match(r.text) if entry is None else None
    if zone is not None:  # 郑州 + 郑东新区...: a zone the data set lacks, said for customer service
        r.notes.append(f"{zone.group(0)}未收录为区县，按{city.name}派送")
    if r.town is None and city.path in data.towns_only:
        entry, n = _prefix(r.text, city.path)
        if entry is not None and entry.division.level == "town":
            r.town, r.text = entry.division, r.text[n:]


def resolve_receiver(receiver: Receiver) -> ResolvedAddress:
    return resolve(receiver.province, receiver.city, receiver.district, f"{receiver.street}{receiver.detail}")


@lru_cache(maxsize=8192)
def resolve(province: str, city: str, district: str, rest: str) -> ResolvedAddress:
    """Resolve the given fields, falling back on the free text `rest` (street + detail), which
    may itself start with the names. Pure and cached: the same few thousand addresses recur."""
    province, city, district = _clean(province), _clean(city), _clean(district)
    r = _Reading(_COUNTRY.sub("", _clean(rest)))
    _province(r, _COUNTRY.sub("", province))
    if not r.problem:
        _city(r, city, district)
    if not r.problem and r.province is None and r.city is None:
        r.fail("省市无法识别")
    elif not r.problem and r.city is None:
        r.fail(f"城市无法识别：{r.province.name if r.province else ''}下未写城市")
    _district(r, "" if r.city is not None and r.city.name == district else district)
    r.text = _strip_names(r.text, r.province, r.city, r.district, r.town)
    if not r.problem:
        if len(r.text) < MIN_DETAIL:
            r.fail(f"详细地址过短：“{r.text}”")
        elif not _DOOR.search(r.text):
            r.fail(f"详细地址没有门牌或地点：“{r.text}”")
    has_districts = r.city is not None and r.city.path not in divisions().towns_only
    has_districts = has_districts and bool(r.city and divisions().children(r.city.path))
    return ResolvedAddress(
        province=r.province.name if r.province else "",
        city=r.city.name if r.city else "",
        district=r.district.name if r.district else "",
        resolved=r.province is not None and r.city is not None and (r.district is not None or not has_districts),
        street=r.text,
        town=r.town.name if r.town else "",
        codes=tuple(d.code if d else "" for d in (r.province, r.city, r.district)),  # type: ignore[arg-type]
        problem=r.problem,
        notes=tuple(r.notes),
    )
