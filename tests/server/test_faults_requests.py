"""Requests that are too big, errors on a kept-alive connection, an upload cut by kill -9: bounded, answered, cleaned up.

Memory is read from the server process itself (a child server, as the TUI runs it): its high-water
mark (VmHWM) before and after the request shows whether the body was held.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2

from asst_tui.server import ChildServer, EmbeddedServer

from .conftest import MODEL, sync_client
from .faults import StoreFaults, child_server, figure, peak_rss_mb  # noqa: F401 - child_server is a fixture

MIB = 1024 * 1024


def _chunks(total: int, piece: bytes = b"x" * MIB) -> Iterator[bytes]:
    for _ in range(total // len(piece)):
        yield piece


def _json_body(size: int) -> Iterator[bytes]:
    """A JSON object of about `size` bytes, sent chunked (no Content-Length): the server only learns its size by reading."""
    yield b'{"model": "gpt-4o", "description": "'
    yield from _chunks(size)
    yield b'"}'


def _multipart(size: int, boundary: str = "fault-test") -> Iterator[bytes]:
    yield f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'.encode()
    yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
    yield from _chunks(size)
    yield f"\r\n--{boundary}--\r\n".encode()


MULTIPART = {"Content-Type": "multipart/form-data; boundary=fault-test"}


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


def test_uploads_have_their_own_limit_and_nothing_of_a_refused_one_stays(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    srv = make_server(max_upload_bytes=2 * MIB, max_body_bytes=MIB)
    files_dir = tmp_path / "server" / "files"
    with httpx2.Client(base_url=srv.base_url, timeout=30) as http:
        at_limit = http.post("/files", content=_multipart(2 * MIB), headers=MULTIPART)
        over = http.post("/files", content=_multipart(3 * MIB), headers=MULTIPART)
        assert at_limit.status_code == 200 and at_limit.json()["bytes"] == 2 * MIB, at_limit.text[:300]
        assert over.status_code == 413, over.text[:300]
        error = over.json()["error"]
        assert error["code"] == "file_too_large" and error["param"] == "file" and "--max-upload-mb" in error["message"]
        assert [f["id"] for f in http.get("/files").json()["data"]] == [at_limit.json()["id"]]
    assert sorted(p.name for p in files_dir.iterdir()) == [at_limit.json()["id"]]


def test_an_upload_streams_to_disk_without_the_server_holding_it(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    server = child_server(tmp_path / "d")
    with httpx2.Client(base_url=server.base_url, timeout=120) as http:
        http.get("/files")
        before = peak_rss_mb(server.pid)
        response = http.post("/files", content=_multipart(200 * MIB), headers=MULTIPART)
        grew = peak_rss_mb(server.pid) - before
    assert response.status_code == 200, response.text[:300]
    assert response.json()["bytes"] == 200 * MIB
    assert (tmp_path / "d" / "files" / response.json()["id"]).stat().st_size == 200 * MIB
    assert grew < 48, f"the server's peak memory grew by {grew:.0f} MB for a 200 MB upload"
    figure(f"a 200 MB upload: stored; the server's peak memory grew {grew:.1f} MB")


# ---- errors keep the connection ------------------------------------------------------------------


def test_errors_never_reset_the_kept_alive_connection(make_server: Callable[..., EmbeddedServer]) -> None:
    """200 requests on one connection, every other one answered 500 by a server bug: all answered on it."""
    srv = make_server()
    with sync_client(srv.base_url) as client:
        assistant_id = client.beta.assistants.create(model=MODEL).id
    faults = StoreFaults(srv)
    connection = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    statuses, resets = [], 0
    try:
        for i in range(200):
            failing = i % 2 == 0
            if failing:
                faults.fail_as_a_bug()
            else:
                faults.heal()
            try:
                connection.request("GET", f"/v1/assistants/{assistant_id}")
                response = connection.getresponse()
                body = json.loads(response.read())
            except (ConnectionError, http.client.HTTPException):
                resets += 1
                connection.close()
                continue
            statuses.append(response.status)
            if failing:
                assert body["error"]["type"] == "server_error"
    finally:
        faults.heal()
        connection.close()
    assert resets == 0, f"{resets} of 200 requests found their connection reset"
    figure("200 requests on one kept-alive connection, 100 of them answered 500: 0 resets")
    assert statuses == [500, 200] * 100


# ---- kill -9 mid-upload --------------------------------------------------------------------------


def test_a_part_file_left_by_a_killed_server_is_removed_at_the_next_start(child_server: Callable[..., ChildServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    server = child_server(data_dir)
    stop_sending = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield from list(_multipart(0))[:2]  # the purpose field and the file part's headers; then its bytes, slowly
        while not stop_sending.is_set():
            yield b"y" * 65536
            time.sleep(0.01)

    def upload() -> None:
        try:
            httpx2.post(f"{server.base_url}/files", content=slow_body(), headers=MULTIPART, timeout=30)
        except httpx2.HTTPError:
            pass  # the server is killed under it

    uploader = threading.Thread(target=upload, daemon=True)
    uploader.start()
    files_dir = data_dir / "files"
    deadline = time.monotonic() + 15
    while not list(files_dir.glob("*.part")):
        assert time.monotonic() < deadline, "no .part file appeared while the upload was arriving"
        time.sleep(0.02)
    os.kill(server.pid, signal.SIGKILL)
    stop_sending.set()
    uploader.join(30)
    assert list(files_dir.glob("*.part")), "the killed server left no .part to clean up"

    again = child_server(data_dir)
    assert list(files_dir.iterdir()) == []
    with sync_client(again.base_url) as client:
        assert client.files.list().data == []
