"""TOP signing against the documented example: params foo=1, bar=2, foo_bar=3, foobar=4 sort to
"bar2foo1foo_bar3foobar4"; md5 wraps it in the secret, hmac keys it with the secret."""

from __future__ import annotations

from ingest.channels.taobao.signing import SignMethod, canonical_string, signed, top_sign
from orderhub_simulators.channels.taobao.top import expected_sign

DOC_PARAMS = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}


def test_canonical_string_matches_the_documented_example() -> None:
    assert canonical_string(DOC_PARAMS) == "bar2foo1foo_bar3foobar4"
    assert canonical_string({**DOC_PARAMS, "sign": "X"}) == "bar2foo1foo_bar3foobar4"


def test_md5_wraps_the_string_in_the_secret() -> None:
    assert top_sign(DOC_PARAMS, "helloworld", SignMethod.MD5) == "5AAF1C690262A24768F5478B084C2C8A"


def test_hmac_is_hmac_md5_keyed_by_the_secret_without_wrapping() -> None:
    assert top_sign(DOC_PARAMS, "helloworld", "hmac") == "E687005F819D6F9E6ED085311C8ACC75"


def test_hmac_sha256() -> None:
    assert top_sign(DOC_PARAMS, "helloworld", "hmac-sha256") == (
        "339676BF36C50A8BD3D8F6B4A81B2F9AA614B05BFCFEBEFC169CB830D6B77D3B"
    )


def test_signed_uses_the_named_sign_method_and_ignores_an_old_sign() -> None:
    params = {**DOC_PARAMS, "sign_method": "hmac", "sign": "stale"}
    assert signed(params, "s")["sign"] == top_sign({**DOC_PARAMS, "sign_method": "hmac"}, "s", "hmac")


def test_non_ascii_values_are_signed_as_utf8() -> None:
    a = top_sign({"q": "济源"}, "k")
    assert a != top_sign({"q": "济"}, "k") and len(a) == 32 and a == a.upper()


def test_a_parameter_with_an_empty_value_is_not_signed() -> None:
    """TOP's reference code (TaobaoUtils.signTopRequest) skips empty values before signing."""
    with_empty = {**DOC_PARAMS, "session": "", "fields": ""}
    assert canonical_string(with_empty) == "bar2foo1foo_bar3foobar4"
    for method in SignMethod:
        assert top_sign(with_empty, "helloworld", method) == top_sign(DOC_PARAMS, "helloworld", method)
    assert top_sign(with_empty, "helloworld", "md5") == "5AAF1C690262A24768F5478B084C2C8A"


def test_the_simulated_gateway_checks_the_same_signature() -> None:
    params = {**DOC_PARAMS, "session": "", "method": "taobao.trade.fullinfo.get", "q": "济源"}
    for method in SignMethod:
        assert expected_sign(params, "helloworld", method.value) == top_sign(params, "helloworld", method)
