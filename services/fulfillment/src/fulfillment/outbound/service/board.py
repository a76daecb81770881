"""The warehouse board (发货看板): every outbound order not yet shipped, most urgent first, in
its zone (in-stock, presale), with how long is left to its deadline and whether it is overdue or
urgent. A read: it changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fulfillment.outbound.model import Zone
from fulfillment.outbound.repository import BoardEntry, load_board_entries
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class BoardRow:
    entry: BoardEntry
    minutes_left: int  # negative once overdue
    overdue: bool
    urgent: bool  # less than the urgent window left (4 h by default), not overdue yet

    @property
    def time_left_text(self) -> str:
        """「剩余3小时05分」 or 「已超时1小时20分」, as the board shows it."""
        hours, minutes = divmod(abs(self.minutes_left), 60)
        return f"{'已超时' if self.overdue else '剩余'}{hours}小时{minutes:02d}分"


@dataclass(frozen=True)
class Board:
    generated_at: datetime
    in_stock: tuple[BoardRow, ...]
    presale: tuple[BoardRow, ...]


def board_row(entry: BoardEntry, now: datetime, urgent_within: timedelta) -> BoardRow:
    left = entry.ship_deadline - now
    overdue = left < timedelta(0)
    minutes = int(left / timedelta(minutes=1))
    return BoardRow(entry, minutes_left=minutes, overdue=overdue, urgent=not overdue and left < urgent_within)


async def read_board(
    conn: AsyncConnection,
    *,
    now: datetime,
    urgent_within: timedelta,
    zone: Zone | None = None,
    carrier: str | None = None,
    limit: int | None = None,
) -> Board:
    entries = await load_board_entries(conn, zone=zone, carrier=carrier, limit=limit)
    rows = [board_row(e, now, urgent_within) for e in entries]  # already most urgent first
    return Board(
        generated_at=now,
        in_stock=tuple(r for r in rows if r.entry.zone is Zone.IN_STOCK),
        presale=tuple(r for r in rows if r.entry.zone is Zone.PRESALE),
    )
