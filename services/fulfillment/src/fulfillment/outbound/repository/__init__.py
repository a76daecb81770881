"""Every SQL statement of the outbound area, one module per table group; callers import from here."""

from fulfillment.outbound.repository.board import BoardEntry, BoardLine, bin_locations, load_board_entries
from fulfillment.outbound.repository.outbound_rows import (
    insert_outbound,
    next_outbound_id,
    next_outbound_ids,
    outbound_for_order,
    outbounds_for_order,
    reactivate,
    refresh_remark_flags,
    set_status,
)

__all__ = [
    "BoardEntry",
    "BoardLine",
    "bin_locations",
    "insert_outbound",
    "load_board_entries",
    "next_outbound_id",
    "next_outbound_ids",
    "outbound_for_order",
    "outbounds_for_order",
    "reactivate",
    "refresh_remark_flags",
    "set_status",
]
