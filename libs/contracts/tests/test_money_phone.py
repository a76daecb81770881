from decimal import Decimal

import pytest
from orderhub_contracts.money import InvalidAmount, format_yuan, to_fen
from orderhub_contracts.phone import last4, mask_phone, mask_phones_in_text, normalize_phone


@pytest.mark.parametrize(
    ("amount", "fen"),
    [("200.07", 20007), ("0.1", 10), ("2000", 200000), (Decimal("19.99"), 1999), ("  8.50 ", 850), (0, 0)],
)
def test_yuan_strings_convert_exactly(amount: str | Decimal | int, fen: int) -> None:
    assert to_fen(amount) == fen


@pytest.mark.parametrize("amount", ["1.005", "abc", "NaN", ""])
def test_bad_amounts_are_refused_not_rounded(amount: str) -> None:
    with pytest.raises(InvalidAmount):
        to_fen(amount)


def test_format_yuan() -> None:
    assert format_yuan(200007) == "2000.07"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-150) == "-1.50"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(0512) 6666 8888", "051266668888"),
        ("", ""),
    ],
)
def test_normalize_phone(raw: str, normal: str) -> None:
    assert normalize_phone(raw) == normal


def test_masking() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("") == ""
    assert "5678" not in mask_phone("5678")
    assert last4("13812345678") == "5678"


def test_masking_inside_free_text() -> None:
    text = "客户13812345678说明天到, order 2026021813812345678999 unchanged"
    masked = mask_phones_in_text(text)
    assert "13812345678" not in masked.split(",")[0]
    assert "138****5678" in masked
    assert "2026021813812345678999" in masked  # digits inside a longer number are not a phone
