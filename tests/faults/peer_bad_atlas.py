"""A bad Atlas on one fixed loopback port, switched between ways of failing while a real Halo
process keeps that port as its ATLAS_API_URL:

- refused: nothing listens on the port;
- blackhole: connections are accepted and read, never answered;
- drip: 200 and its headers at once, then the body one byte at a time (a byte a second, or a
  byte every 50 ms, which passes under any per-read timeout: only a whole-call deadline ends it);
- garbage: 200 with an answer Halo must not store (see GARBAGE), one kind after the other;
- healthy: a plain TCP pipe to a well-behaved fake Atlas.

Raw asyncio sockets, in a thread with its own event loop, so nothing in HTTP land tidies up the
misbehaviour. A switch drops every open connection (as an Atlas restart would), so a kept-alive
connection never carries one mode's answers into the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from safewatch.core.testing.servers import free_port

MODES = ("refused", "blackhole", "drip", "garbage", "healthy")
DRIP_SECONDS_PER_BYTE = (1.0, 0.05)


def _answer(**classification: Any) -> dict[str, Any]:
    """A well-formed classify answer, with Halo's garbage spliced into its classification."""
    return {
        "threat_id": str(uuid.uuid4()),
        "classification": {
            "threat_category": "vandalism",
            "threat_subcategory": "graffiti",
            "severity": 2,
            "confidence": 0.9,
            "product_mappings": {"halo_incident_type": "vandalism", "polisen_type": "Skadegörelse"},
        }
        | classification,
        "model_version": "bad-atlas",
        "source_product": "halo",
        "occurred_at": "2026-11-22T19:15:00Z",
    }


def _garbage() -> dict[str, bytes]:
    wrong_types = {
        "threat_id": 12345,
        "classification": {"threat_category": ["weapons"], "severity": "critical"},
    }
    huge = _answer() | {"padding": "x" * (10 * 1024 * 1024)}  # well-formed, but 10 MB
    return {
        "invalid_json": b'{"threat_id": "3f2b", "classification": {"threat_category": ',
        "wrong_types": json.dumps(wrong_types).encode(),
        "unknown_category": json.dumps(_answer(threat_category="alien_abduction")).encode(),
        "confidence_7_3": json.dumps(_answer(confidence=7.3)).encode(),
        "ten_megabytes": json.dumps(huge).encode(),
    }


GARBAGE = _garbage()


def _response_head(length: int, close: bool) -> bytes:
    lines = ["HTTP/1.1 200 OK", "content-type: application/json", f"content-length: {length}"]
    if close:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_request(reader: asyncio.StreamReader) -> None:
    """One HTTP/1.1 request with a Content-Length body (what httpx sends Atlas)."""
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            await reader.readexactly(int(value))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


class BadAtlas:
    """`await bad.switch(mode)` from the test's event loop; `served` counts what was served
    (mode, or garbage:<kind>, or drip:<seconds>) so a test can check Halo really met it."""

    def __init__(self, healthy_url: str) -> None:
        upstream = urlsplit(healthy_url)
        self._upstream = (upstream.hostname or "127.0.0.1", upstream.port or 80)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = "refused"
        self.served: Counter[str] = Counter()
        self._garbage = itertools.cycle(GARBAGE.items())
        self._drip = itertools.cycle(DRIP_SECONDS_PER_BYTE)
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @contextlib.contextmanager
    def running(self) -> Iterator[BadAtlas]:
        self._thread.start()
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self._switch("refused"), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    async def switch(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._switch(mode), self._loop))

    async def _switch(self, mode: str) -> None:
        self.mode = mode
        for writer in self._connections.values():
            writer.transport.abort()  # each handler then fails its next read or write and ends
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        if mode == "refused" and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        elif mode != "refused" and self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            await self._serve(self.mode, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the caller gave up first: what a deadline is for
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def _serve(
        self, mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if mode == "blackhole":
            self.served[mode] += 1
            while await reader.read(65536):
                pass
        elif mode == "drip":
            await _read_request(reader)
            pace = next(self._drip)
            self.served[f"drip:{pace}"] += 1
            body = json.dumps(_answer()).encode()  # well-formed: only time can be against it
            writer.write(_response_head(len(body), close=True))
            for byte in body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(pace)
        elif mode == "garbage":
            await _read_request(reader)
            kind, body = next(self._garbage)
            self.served[f"garbage:{kind}"] += 1
            writer.write(_response_head(len(body), close=True) + body)
            await writer.drain()
        else:
            self.served[mode] += 1
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
