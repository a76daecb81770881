"""Every SQL statement of the receiving dock (the photos; tickets are in tickets.repository)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from aftersales.receiving.model import Photo
from aftersales.tables import receipt_photos


async def add_photo(conn: AsyncConnection, photo: Photo, data: bytes, actor: str) -> Photo:
    """The same bytes twice on one ticket are one photo."""
    statement = insert(receipt_photos).values(
        photo_id=photo.photo_id,
        ticket_id=photo.ticket_id,
        sha256=photo.sha256,
        content_type=photo.content_type,
        size_bytes=photo.size_bytes,
        data=data,
        uploaded_by=actor,
    )
    await conn.execute(statement.on_conflict_do_nothing(constraint="receipt_photos_ticket_sha256_key"))
    query = select(receipt_photos.c.photo_id).where(
        receipt_photos.c.ticket_id == photo.ticket_id, receipt_photos.c.sha256 == photo.sha256
    )
    photo_id = (await conn.execute(query)).scalar_one()
    return Photo(photo_id, photo.ticket_id, photo.sha256, photo.content_type, photo.size_bytes)


async def count_photos(conn: AsyncConnection, ticket_id: str) -> int:
    query = select(func.count()).where(receipt_photos.c.ticket_id == ticket_id)
    return int((await conn.execute(query)).scalar_one())


async def photos_of(conn: AsyncConnection, ticket_id: str) -> list[Photo]:
    query = (
        select(
            receipt_photos.c.photo_id,
            receipt_photos.c.ticket_id,
            receipt_photos.c.sha256,
            receipt_photos.c.content_type,
            receipt_photos.c.size_bytes,
        )
        .where(receipt_photos.c.ticket_id == ticket_id)
        .order_by(receipt_photos.c.uploaded_at)
    )
    return [Photo(*row) for row in await conn.execute(query)]


async def photo_data(conn: AsyncConnection, ticket_id: str, photo_id: str) -> tuple[str, bytes] | None:
    query = select(receipt_photos.c.content_type, receipt_photos.c.data).where(
        receipt_photos.c.ticket_id == ticket_id, receipt_photos.c.photo_id == photo_id
    )
    row = (await conn.execute(query)).first()
    return None if row is None else (str(row[0]), bytes(row[1]))
