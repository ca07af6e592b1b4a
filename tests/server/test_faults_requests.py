"""Requests that are too big: refused as soon as they pass the limit, never held.

Memory is read from the server process itself (a child server, as the TUI runs it): its high-water
mark (VmHWM) before and after the request shows whether the body was held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2

from asst_tui.server import ChildServer, EmbeddedServer

from .conftest import MODEL
from .faults import child_server, figure, peak_rss_mb  # noqa: F401 - child_server is a fixture

MIB = 1024 * 1024


def _chunks(total: int, piece: bytes = b"x" * MIB) -> Iterator[bytes]:
    for _ in range(total // len(piece)):
        yield piece


def _json_body(size: int) -> Iterator[bytes]:
    """A JSON object of about `size` bytes, sent chunked (no Content-Length): the server only learns its size by reading."""
    yield b'{"model": "gpt-4o", "description": "'
    yield from _chunks(size)
    yield b'"}'


# ---- body limits ---------------------------------------------------------------------------------


def test_a_huge_json_body_is_refused_without_the_server_holding_it(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    server = child_server(tmp_path / "d")
    with httpx2.Client(base_url=server.base_url, timeout=60) as http:
        http.get("/assistants")
        before = peak_rss_mb(server.pid)
        response = http.post("/assistants", content=_json_body(100 * MIB), headers={"Content-Type": "application/json"})
        grew = peak_rss_mb(server.pid) - before
        assert response.status_code == 413, response.text[:300]
        error = response.json()["error"]
        assert error["code"] == "request_too_large" and "16 MiB" in error["message"] and "--max-body-mb" in error["message"]
        assert grew < 48, f"the server's peak memory grew by {grew:.0f} MB for a refused 100 MB body"
        figure(f"a 100 MB JSON body: refused 413; the server's peak memory grew {grew:.1f} MB")
        assert http.get("/assistants").json()["data"] == []  # nothing stored; the connection still serves


def test_the_body_limit_is_configurable_and_a_declared_length_is_refused_at_once(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server(max_body_bytes=MIB)
    with httpx2.Client(base_url=srv.base_url, timeout=30) as http:
        declared = http.post("/assistants", content=b'{"model": "' + b"x" * (2 * MIB) + b'"}', headers={"Content-Type": "application/json"})
        chunked = http.post("/assistants", content=_json_body(2 * MIB), headers={"Content-Type": "application/json"})
        fits = http.post("/assistants", json={"model": MODEL, "instructions": "y" * 200_000})
        for response in (declared, chunked):
            assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large", response.text[:300]
            assert "1 MiB" in response.json()["error"]["message"]
        assert fits.status_code == 200
        assert [a["id"] for a in http.get("/assistants").json()["data"]] == [fits.json()["id"]]
