"""What a search asks for, parsed from the free-text box and the explicit parameters. Pure: no
I/O. Every term narrows the result (AND); a term that cannot be searched is refused with 422."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orderhub_contracts.timezone import SHANGHAI
from orderhub_runtime.errors import DomainError

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MIN_WORD_CHARS = 2  # product words are looked up by character bigrams
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

_ORDER_ID = re.compile(r"DABE[0-9A-Z_-]{0,60}", re.IGNORECASE)
_LAST4 = re.compile(r"\d{4}")
# A channel order number: at least one digit and 5+ characters (JD/Taobao digits, PDD 241124-…).
_CHANNEL_NO = re.compile(r"(?=[^\d]*\d)[A-Za-z0-9_-]{5,64}")
_SEPARATORS = re.compile(r"[\s,;/|]+")
# Han characters run straight into digits or Latin letters when typed fast ("加湿器5678").
_HAN_OR_OTHER = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+")


class InvalidSearch(DomainError):
    status_code = 422
    code = "invalid_query"


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    order_id_prefixes: tuple[str, ...] = ()
    channel_order_nos: tuple[str, ...] = ()  # exact or prefix
    phone_last4: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # normalised product words, matched in item titles
    channel: str | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def is_selective(self) -> bool:
        """An ID, order number or phone term narrows to a handful of orders by its own index."""
        return bool(self.order_id_prefixes or self.channel_order_nos or self.phone_last4)

    @property
    def has_terms(self) -> bool:
        return bool(self.order_id_prefixes or self.channel_order_nos or self.phone_last4 or self.words)


@dataclass(slots=True)
class _Terms:
    order_ids: list[str] = field(default_factory=list)
    channel_nos: list[str] = field(default_factory=list)
    last4: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)


def normalise(text: str) -> str:
    """As the database normalises item titles (order_search_text): NFKC, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def bigrams(word: str) -> set[str]:
    """As the database's search_bigrams: the distinct two-character substrings."""
    return {word[i : i + 2] for i in range(len(word) - 1)}


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def split_query(q: str) -> list[str]:
    """'加湿器5678, DABE2026' -> ['加湿器', '5678', 'DABE2026']."""
    pieces: list[str] = []
    for chunk in _SEPARATORS.split(unicodedata.normalize("NFKC", q).strip()):
        if _ORDER_ID.fullmatch(chunk) or _CHANNEL_NO.fullmatch(chunk):
            pieces.append(chunk)
        else:
            pieces.extend(_HAN_OR_OTHER.findall(chunk))
    return [p for p in pieces if p]


def classify(token: str, terms: _Terms) -> None:
    if _ORDER_ID.fullmatch(token):
        terms.order_ids.append("DABE" + token[4:])
    elif _LAST4.fullmatch(token):
        terms.last4.append(token)
    elif _CHANNEL_NO.fullmatch(token):
        terms.channel_nos.append(token)
    else:
        _add_word(token, "q", terms)


def _add_word(raw: str, source: str, terms: _Terms) -> None:
    word = normalise(raw)
    if len(word) < MIN_WORD_CHARS:
        terms.problems.append(
            {"field": source, "problem": f"product word {raw!r} is too short: use at least {MIN_WORD_CHARS} characters"}
        )
    else:
        terms.words.append(word)


def build_criteria(
    *,
    q: str | None = None,
    order_id: str | None = None,
    channel_order_no: str | None = None,
    phone_last4: str | None = None,
    product: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> SearchCriteria:
    terms = _Terms()
    if q and len(q) > MAX_QUERY_CHARS:
        terms.problems.append({"field": "q", "problem": f"at most {MAX_QUERY_CHARS} characters"})
    elif q:
        for token in split_query(q):
            classify(token, terms)
    if order_id:
        value = order_id.strip()
        if _ORDER_ID.fullmatch(value):
            terms.order_ids.append("DABE" + value[4:])
        else:
            terms.problems.append({"field": "order_id", "problem": "a global order ID (or its start) begins with DABE"})
    if channel_order_no and channel_order_no.strip():
        terms.channel_nos.append(channel_order_no.strip())
    if phone_last4 is not None:
        if _LAST4.fullmatch(phone_last4.strip()):
            terms.last4.append(phone_last4.strip())
        else:
            terms.problems.append({"field": "phone_last4", "problem": "exactly 4 digits"})
    if product:
        for piece in split_query(product):
            _add_word(piece, "product", terms)
    _check(terms, created_from, created_to)
    return SearchCriteria(
        order_id_prefixes=tuple(dict.fromkeys(terms.order_ids)),
        channel_order_nos=tuple(dict.fromkeys(terms.channel_nos)),
        phone_last4=tuple(dict.fromkeys(terms.last4)),
        words=tuple(dict.fromkeys(terms.words)),
        channel=channel,
        status=status,
        created_from=created_from,
        created_to=created_to,
        limit=limit,
    )


def _check(terms: _Terms, created_from: datetime | None, created_to: datetime | None) -> None:
    count = len(terms.order_ids) + len(terms.channel_nos) + len(terms.last4) + len(terms.words)
    if count > MAX_TERMS:
        terms.problems.append({"field": "q", "problem": f"at most {MAX_TERMS} search terms"})
    if created_from is not None and created_to is not None and created_from > created_to:
        terms.problems.append({"field": "created_from", "problem": "must not be after created_to"})
    if not terms.problems and count == 0:
        terms.problems.append(
            {
                "field": "q",
                "problem": "give a global order ID, channel order number, phone last 4 digits or a product word",
            }
        )
    if terms.problems:
        fields = ", ".join(dict.fromkeys(p["field"] for p in terms.problems))
        raise InvalidSearch(f"invalid search: {fields}: {terms.problems[0]['problem']}", details=terms.problems)


def id_time_range(prefix: str) -> tuple[datetime, datetime] | None:
    """The creation times an order ID starting with `prefix` can have: the ID carries its creation
    minute (DABE + yyyyMMddHHmm, Shanghai), so "DABE2025120412" is 12:00-13:00 on 2025-12-04.
    Digits short of a whole field widen the range to the field above; None when not even a year."""
    digits = ""
    for char in prefix[4:16]:
        if not char.isdigit():
            break
        digits += char
    whole = max((n for n in (4, 6, 8, 10, 12) if n <= len(digits)), default=0)
    if not whole:
        return None
    stamp = digits[:whole]
    try:
        start = datetime.strptime(stamp, "%Y%m%d%H%M"[: {4: 2, 6: 4, 8: 6, 10: 8, 12: 10}[whole]])
    except ValueError:
        return None
    start = start.replace(tzinfo=SHANGHAI)
    if whole == 4:
        end = start.replace(year=start.year + 1)
    elif whole == 6:
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        end = start + {8: timedelta(days=1), 10: timedelta(hours=1), 12: timedelta(minutes=1)}[whole]
    return start, end
