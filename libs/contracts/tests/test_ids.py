from datetime import UTC, datetime

import pytest
from orderhub_contracts.ids import base_order_id, candidate_order_ids, collision_suffix
from orderhub_contracts.timezone import SHANGHAI


def test_brief_example() -> None:
    created = datetime(2026, 2, 18, 14, 22, 37, tzinfo=SHANGHAI)
    assert base_order_id(created, "DY20260218142278901") == "DABE20260218142278901"


def test_creation_minute_is_taken_in_shanghai_time() -> None:
    created = datetime(2026, 2, 18, 16, 5, tzinfo=UTC)  # 2026-02-19 00:05 in Shanghai
    assert base_order_id(created, "TB1234567") == "DABE20260219000534567"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        base_order_id(datetime(2026, 2, 18, 14, 22), "X12345")


def test_short_channel_number_is_used_whole() -> None:
    assert base_order_id(datetime(2026, 1, 1, 9, 0, tzinfo=SHANGHAI), "A7") == "DABE202601010900A7"


def test_collision_candidates_are_deterministic_and_distinct_per_order() -> None:
    created = datetime(2026, 2, 18, 14, 22, tzinfo=SHANGHAI)
    a = candidate_order_ids(created, "taobao", "TB00078901")
    b = candidate_order_ids(created, "douyin", "DY00078901")
    assert a[0] == b[0]  # same base ID: a collision
    assert a == candidate_order_ids(created, "taobao", "TB00078901")
    assert a[1] != b[1]
    assert a[1].startswith(a[0] + "-") and len(a[1]) == len(a[0]) + 5


def test_suffix_alphabet_avoids_ambiguous_letters() -> None:
    suffix = collision_suffix("pinduoduo", "PDD-991", 12)
    assert len(suffix) == 12
    assert not set(suffix) & set("ILOU")
