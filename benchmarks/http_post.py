"""A lean HTTP/1.1 keep-alive client for the load generator: JSON POSTs over a fixed set of
connections. The generator shares the machine with the system it measures, so every millisecond
of CPU it spends per request is taken from the services; a general-purpose client spends several."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

_TIMEOUT_S = 30.0  # per request, as the generator's earlier client had


class TransportError(Exception):
    """The request may or may not have reached the server."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> Reply:
        self.writer.write(request)
        try:
            status_line = await self.reader.readline()
        except ConnectionResetError as exc:
            raise _Stale from exc
        if not status_line:
            raise _Stale
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            raise _Closed(Reply(status, body))
        return Reply(status, body)


class _Stale(Exception):
    """Closed by the server before any answer: a keep-alive connection it had timed out."""


class _Closed(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class JsonPoster:
    """POST JSON to one URL over at most `connections` keep-alive connections."""

    def __init__(self, url: str, *, connections: int, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._head = f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n{extra}".encode()
        # Last in, first out: the busiest connections stay warm, idle ones age out on the server.
        self._idle: asyncio.LifoQueue[_Connection | None] = asyncio.LifoQueue()
        for _ in range(connections):
            self._idle.put_nowait(None)  # a slot; connected on first use

    async def post(self, payload: dict[str, object]) -> Reply:
        return await self.post_body(json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    async def post_body(self, body: bytes, content_type: str) -> Reply:
        """POST a ready body (a form, for instance) with its content type."""
        head = b"Content-Type: %s\r\nContent-Length: %d\r\n\r\n" % (content_type.encode(), len(body))
        request = self._head + head + body
        conn = await self._idle.get()
        try:
            if conn is not None:
                try:
                    return await self._exchange(conn, request)
                except _Stale:  # the server closed it while idle: the request never reached it
                    conn.writer.close()
                    conn = None
            conn = _Connection(*await asyncio.open_connection(self._host, self._port))
            return await self._exchange(conn, request)
        except _Closed as closed:
            conn = None
            return closed.reply
        except (_Stale, OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            if conn is not None:
                conn.writer.close()
            conn = None
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._idle.put_nowait(conn)

    @staticmethod
    async def _exchange(conn: _Connection, request: bytes) -> Reply:
        return await asyncio.wait_for(conn.exchange(request), timeout=_TIMEOUT_S)

    async def close(self) -> None:
        while not self._idle.empty():
            conn = self._idle.get_nowait()
            if conn is not None:
                conn.writer.close()
