"""The cases of the address corpus: deliverable addresses in every form the channels send, and
undeliverable or vague ones. Run generate.py, not this module."""

from __future__ import annotations

import re
from collections import defaultdict

from generate import CHANNELS, JIONLP, VAGUE_DETAILS, Corpus, read_tsv, short, short_district


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
        r
        for r in read_tsv("renamed.tsv")
        if r["old_path"].count("/") == 2 and r["old_path"].split("/")[2] not in current
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
