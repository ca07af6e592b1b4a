"""No web page drives the server: requests as a browser would send them, over real HTTP to a real server.

A page can't read a cross-origin answer, but it can *send*: a "simple" request (text/plain, form
encoded, multipart) goes out without asking first, and through DNS rebinding a page even talks to the
loopback server as its own origin, with `Host: <the attacker's name>`. Each test sends what such a
page sends and checks that the server refused it before any route ran (nothing was created), and
that programs (no Origin, the server's own Host) and the origins it was told to allow still work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import openai
import pytest

from asst_tui.cli import main
from asst_tui.server import EmbeddedServer

from .conftest import MODEL, TEST_KEY, sync_client

ATTACKER_HOST = "rebind.attacker.example"
APP_ORIGIN = "http://localhost:3000"


@pytest.fixture
def http(server: EmbeddedServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def _assistant_count(http: httpx2.Client) -> int:
    return len(http.get("/assistants", params={"limit": 100}).json()["data"])


def _error(response: httpx2.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "invalid_request_error", error
    return error


# ---- DNS rebinding: the Host header --------------------------------------------------------------


@pytest.mark.parametrize("host", [ATTACKER_HOST, f"{ATTACKER_HOST}:8766", "127.0.0.1.nip.io", "localhost:1"])
def test_a_request_for_another_host_name_is_refused_before_anything_runs(http: httpx2.Client, host: str) -> None:
    before = _assistant_count(http)
    for response in (
        http.post("/assistants", json={"model": MODEL}, headers={"Host": host}),
        http.get("/assistants", headers={"Host": host}),
    ):
        error = _error(response, 400, "invalid_host")
        assert host in error["message"] and "--allowed-host" in error["message"]
    assert _assistant_count(http) == before


def test_the_servers_own_addresses_are_answered(server: EmbeddedServer, http: httpx2.Client) -> None:
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"LOCALHOST:{server.port}"):
        assert http.get("/assistants", headers={"Host": host}).status_code == 200, host


def test_allowed_host_names_are_answered_on_any_port_or_the_one_given(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server(allowed_hosts=("assistants.internal", "proxy.example:8443"))
    with httpx2.Client(base_url=srv.base_url, timeout=30) as http:
        for host in ("assistants.internal", "assistants.internal:443", "Proxy.Example:8443", f"127.0.0.1:{srv.port}"):
            assert http.get("/assistants", headers={"Host": host}).status_code == 200, host
        for host in ("proxy.example", "proxy.example:443", ATTACKER_HOST):
            _error(http.get("/assistants", headers={"Host": host}), 400, "invalid_host")


def test_beyond_loopback_the_host_check_applies_once_names_are_configured(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    """Bound beyond loopback a key is required, which a page can't send; naming hosts turns the check on."""
    open_names = make_server(host="0.0.0.0", api_key=TEST_KEY)
    named = make_server(host="0.0.0.0", api_key=TEST_KEY, allowed_hosts=("assistants.example.com",), data_dir=tmp_path / "named")
    auth = {"Authorization": f"Bearer {TEST_KEY}"}
    with httpx2.Client(base_url=f"http://127.0.0.1:{open_names.port}/v1", headers=auth, timeout=30) as http:
        assert http.get("/assistants", headers={"Host": "lan-name.local:1234"}).status_code == 200
    with httpx2.Client(base_url=f"http://127.0.0.1:{named.port}/v1", headers=auth, timeout=30) as http:
        assert http.get("/assistants", headers={"Host": "assistants.example.com"}).status_code == 200
        assert http.get("/assistants").status_code == 200  # its own address
        _error(http.get("/assistants", headers={"Host": "lan-name.local:1234"}), 400, "invalid_host")


# ---- Origin and CORS -----------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:9", "https://localhost:3000"])
def test_a_request_from_a_web_page_is_refused(http: httpx2.Client, origin: str) -> None:
    before = _assistant_count(http)
    error = _error(http.post("/assistants", json={"model": MODEL}, headers={"Origin": origin}), 403, "origin_not_allowed")
    assert origin in error["message"] and "--cors-origin" in error["message"]
    response = http.get("/assistants", headers={"Origin": origin})
    _error(response, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in response.headers
    assert _assistant_count(http) == before


def test_a_preflight_from_a_web_page_gets_no_permission(http: httpx2.Client) -> None:
    response = http.options("/assistants", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    _error(response, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in response.headers


@pytest.fixture
def cors_server(make_server: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return make_server(cors_origins=(APP_ORIGIN + "/", "https://App.Example"))


def test_an_allowed_origin_gets_its_preflight_answered(cors_server: EmbeddedServer) -> None:
    with httpx2.Client(base_url=cors_server.base_url, timeout=30) as http:
        response = http.options(
            "/threads/thread_x/runs",
            headers={"Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type, openai-beta"},
        )
    assert response.status_code == 204, response.text
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization, content-type, openai-beta"
    assert int(response.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in response.headers  # keys go in headers, never cookies


def test_an_allowed_origin_uses_the_api_and_can_read_its_answers_and_errors(cors_server: EmbeddedServer) -> None:
    headers = {"Origin": "https://app.example"}
    with httpx2.Client(base_url=cors_server.base_url, headers=headers, timeout=30) as http:
        created = http.post("/assistants", json={"model": MODEL})
        missing = http.get("/assistants/asst_nope")
        other = http.get("/assistants", headers={"Origin": "http://evil.example"})
    assert created.status_code == 200 and created.json()["object"] == "assistant"
    assert missing.status_code == 404
    for response in (created, missing):
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        assert "Origin" in response.headers["vary"]
    _error(other, 403, "origin_not_allowed")


# ---- the simple requests a page sends without asking: only JSON (and multipart uploads) ----------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_json_route_refuses_any_other_body_type(http: httpx2.Client, content_type: str | None) -> None:
    before = _assistant_count(http)
    headers = {"Content-Type": content_type} if content_type else {}
    request = http.build_request("POST", "/assistants", content=b'{"model": "demo-model"}', headers=headers)
    if content_type is None:
        request.headers.pop("Content-Type", None)
    error = _error(http.send(request), 415, "unsupported_media_type")
    assert "application/json" in error["message"]
    assert _assistant_count(http) == before


def test_the_attack_the_issue_found_is_refused(http: httpx2.Client) -> None:
    """The page's own steps: create an assistant with code, a thread asking it to run Python, a run."""
    body = b'{"assistant_id": "asst_x", "thread": {"messages": [{"role": "user", "content": "```python\\nopen(\\"/tmp/pwned\\", \\"w\\")\\n```"}]}}'
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "text/plain", "Host": ATTACKER_HOST}):
        assert http.post("/threads/runs", content=body, headers=headers).status_code in (400, 415)


def test_a_bodyless_post_needs_no_content_type(client: openai.OpenAI, http: httpx2.Client) -> None:
    """`curl -X POST .../cancel` sends no body and no type: it reaches the route (which answers for the run)."""
    assistant = client.beta.assistants.create(model=MODEL)
    run = client.beta.threads.create_and_run_poll(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]})
    request = http.build_request("POST", f"/threads/{run.thread_id}/runs/{run.id}/cancel")
    request.headers.pop("Content-Type", None)
    response = http.send(request)
    assert response.status_code == 400 and "completed" in response.json()["error"]["message"]


def test_the_sdk_still_works_unchanged(server: EmbeddedServer) -> None:
    with sync_client(server.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL)
        run = client.beta.threads.create_and_run_poll(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "hi"}]})
        assert run.status == "completed"
        upload = client.files.create(file=("a.txt", b"abc"), purpose="assistants")
        assert client.files.content(upload.id).content == b"abc"


# ---- the options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, says",
    [
        (["--cors-origin", "*"], "--cors-origin"),
        (["--cors-origin", "localhost:3000"], "--cors-origin"),
        (["--cors-origin", "http://localhost:3000/app"], "--cors-origin"),
        (["--allowed-host", "http://assistants.example.com"], "--allowed-host"),
        (["--allowed-host", "*.example.com"], "--allowed-host"),
        (["--max-body-mb", "0"], "--max-body-mb"),
        (["--max-upload-mb", "-1"], "--max-upload-mb"),
    ],
)
def test_bad_option_values_exit_2_and_say_which(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str) -> None:
    assert main(["serve", "--port", "0", "--data-dir", str(tmp_path / "d"), *args]) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
