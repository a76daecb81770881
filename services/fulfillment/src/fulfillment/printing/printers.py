"""The two kinds of printer: IPP over HTTP, and a spool folder (local mode's default)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from fulfillment.printing.ipp import PrinterUnavailable, print_job
from fulfillment.printing.model import Printer


class IppPrinter:
    def __init__(self, url: str, *, timeout_s: float) -> None:
        self._url = url
        self._client = httpx.AsyncClient(timeout=timeout_s)

    @property
    def url(self) -> str:
        return self._url

    async def send(self, job_id: int, document: str, body: bytes, content_type: str) -> str:
        return await print_job(self._client, self._url, body, job_name=document, document_format=content_type)

    async def close(self) -> None:
        await self._client.aclose()


class SpoolPrinter:
    """Each printed document becomes a file `<job id>-<document>` in the folder, written under a
    temporary name and renamed, so a file in the folder is always a whole document."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def url(self) -> str:
        return self.folder.as_uri()

    async def send(self, job_id: int, document: str, body: bytes, content_type: str) -> str:
        target = self.folder / f"{job_id:06d}-{Path(document).name}"
        try:
            await asyncio.to_thread(_write_whole, target, body)
        except OSError as exc:
            raise PrinterUnavailable(f"spool folder not writable: {exc}") from exc
        return target.name


def _write_whole(target: Path, body: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(body)
    os.replace(partial, target)


def build_printer(url: str, *, timeout_s: float) -> Printer | IppPrinter:
    scheme = urlsplit(url).scheme
    if scheme == "file":
        return SpoolPrinter(Path(unquote(urlsplit(url).path)))
    if scheme in ("ipp", "ipps", "http", "https"):
        return IppPrinter(url, timeout_s=timeout_s)
    raise ValueError(f"printer URL must be ipp://, ipps://, http(s):// or file://, not {url!r}")
