"""POP API and message-service signing."""

from __future__ import annotations

import base64
import hashlib

from ingest.channels.pinduoduo.signing import message_path, message_sign, pop_sign, signed


def test_pop_sign_wraps_the_sorted_pairs_in_the_secret() -> None:
    params = {"type": "pdd.order.information.get", "client_id": "c", "timestamp": "1", "order_sn": "x"}
    expected = hashlib.md5(b"sclient_idcorder_snxtimestamp1typepdd.order.information.gets").hexdigest().upper()
    assert pop_sign(params, "s") == expected
    assert pop_sign({**params, "sign": "old"}, "s") == expected
    assert signed(params, "s")["sign"] == expected


def test_message_sign_is_base64_of_the_md5_hex_text() -> None:
    assert message_sign("abc", 1700000000000, "secret") == "ZmM4MjIyNGM0ZDk1NjQ2ODg0NWJjMGU2NWIwN2I2MDQ="
    hex_text = hashlib.md5(b"abc1700000000000secret").hexdigest()
    assert base64.b64decode(message_sign("abc", 1700000000000, "secret")).decode() == hex_text


def test_message_path_url_encodes_the_sign() -> None:
    assert message_path("abc", 1700000000000, "secret") == (
        "/message/abc/1700000000000/ZmM4MjIyNGM0ZDk1NjQ2ODg0NWJjMGU2NWIwN2I2MDQ%3D"
    )
