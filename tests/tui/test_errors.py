"""When things go wrong: HTTP errors, a thread locked by another client, a server that stops or drops a stream.

The user always sees what happened and what to do, the draft stays in the prompt, and nothing crashes.
The HTTP errors come from a tiny scripted server on loopback that answers like OpenAI does.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .helpers import (
    SIZE,
    assistant_texts,
    make_app,
    notes,
    ready,
    run_done,
    screen_text,
    sdk_client,
    send,
    wait_for,
    write_config,
)

ASSISTANT = {"id": "asst_s", "object": "assistant", "created_at": 0, "name": "Scripted", "model": "m",
             "instructions": None, "description": None, "tools": [], "metadata": {}}
THREAD = {"id": "thread_s", "object": "thread", "created_at": 0, "metadata": {}, "tool_resources": None}
RUN = {"id": "run_s", "object": "thread.run", "created_at": 0, "thread_id": "thread_s", "assistant_id": "asst_s",
       "status": "in_progress", "model": "m", "instructions": "", "tools": [], "metadata": {}, "usage": None}
REPLY = "The whole reply, as the server kept it."


def message(message_id: str, role: str, text: str) -> dict:
    return {"id": message_id, "object": "thread.message", "created_at": 0, "thread_id": "thread_s", "role": role,
            "status": "completed", "run_id": None, "assistant_id": None, "attachments": [], "metadata": {},
            "content": [{"type": "text", "text": {"value": text, "annotations": []}}]}


def listing(data: list) -> dict:
    return {"object": "list", "data": data, "first_id": None, "last_id": None, "has_more": False}


class Scripted(ThreadingHTTPServer):
    """Answers what the TUI asks at startup; adding a message fails with `status`, or runs stream and drop."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.status = 0  # answer POST .../messages with this HTTP error; 0 = accept it and let the run drop
        self.messages: list[dict] = []
        self.run = dict(RUN)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: Scripted
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/v1/assistants/asst_s":
            self._json(200, ASSISTANT)
        elif path == "/v1/threads/thread_s/messages":
            self._json(200, listing(list(reversed(self.server.messages))))
        elif path == "/v1/threads/thread_s/runs":
            self._json(200, listing([]))
        elif path == "/v1/threads/thread_s/runs/run_s":
            self._json(200, self.server.run)
        else:
            self._json(404, {"error": {"message": f"No route {path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        path = self.path.split("?")[0]
        if path == "/v1/threads":
            self._json(200, THREAD)
        elif path == "/v1/threads/thread_s/messages" and self.server.status:
            self._error(self.server.status)
        elif path == "/v1/threads/thread_s/messages":
            self.server.messages.append(message("msg_user", "user", "tell me"))
            self._json(200, self.server.messages[-1])
        elif path == "/v1/threads/thread_s/runs":
            self._stream_then_drop()
        else:
            self._json(404, {"error": {"message": f"No route {path}", "type": "invalid_request_error"}})

    def _error(self, status: int) -> None:
        said = {401: ("Incorrect API key provided: sk-wrong.", "invalid_api_key"),
                429: ("Rate limit reached for requests.", "rate_limit_exceeded"),
                500: ("The server had an error while processing your request.", "server_error"),
                503: ("The engine is currently overloaded.", "server_error")}[status]
        headers = {"x-should-retry": "false"} | ({"retry-after": "7"} if status == 429 else {})
        self._json(status, {"error": {"message": said[0], "type": "error", "param": None, "code": said[1]}}, headers)

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream_then_drop(self) -> None:
        """A run starts streaming its reply, then the server dies: the body ends without its last chunk."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        delta = {"id": "msg_reply", "object": "thread.message.delta",
                 "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "The whole"}}]}}
        created = message("msg_reply", "assistant", "") | {"status": "in_progress", "content": []}
        for name, data in (("thread.run.created", RUN), ("thread.message.created", created),
                           ("thread.message.delta", delta)):
            event = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
            self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        self.wfile.flush()
        self.server.messages.append(message("msg_reply", "assistant", REPLY))
        self.server.run = RUN | {"status": "completed", "completed_at": 1}
        self.close_connection = True


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    server = Scripted()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def said(app) -> str:
    """Everything asst-tui told the user in the chat pane, without the Markdown escapes."""
    return re.sub(r"\\(.)", r"\1", "\n".join(notes(app)))


def user_messages(app) -> list[str]:
    return [entry.source for entry in app.chat.entries if entry.role == "user"]


ERRORS = [  # (status, what the user is told happened, what to do)
    (401, "rejected the API key (401): Incorrect API key provided", "Check the API key env var"),
    (429, "Rate limited (429): Rate limit reached", "Wait 7 s (the server's Retry-After)"),
    (500, "failed (500): The server had an error", "Try again; if it keeps happening, check the server's log"),
    (503, "failed (503): The engine is currently overloaded", "Try again"),
]


async def test_http_errors_say_what_happened_and_what_to_do(home, scripted):
    app = make_app(base_url=scripted.base_url, assistant="asst_s")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.text = "keep this draft"
        for status, what, todo in ERRORS:
            scripted.status = status
            app.prompt.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: what in said(app), what=f"the {status} message")
            assert todo in said(app).split(what, 1)[1], status
            assert app.prompt.text == "keep this draft", status
            assert user_messages(app) == [], status
            assert app.flow is None and app.status_line.status == "idle", status
        assert "Traceback" not in screen_text(app)


async def test_a_dropped_stream_resyncs_from_the_server(home, scripted):
    app = make_app(base_url=scripted.base_url, assistant="asst_s")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "tell me")
        await run_done(pilot)
        assert "The connection dropped mid-stream" in said(app) and "Re-syncing" in said(app)
        assert assistant_texts(app) == [REPLY]
        assert "Traceback" not in screen_text(app)


async def test_a_thread_locked_by_another_clients_run(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 5\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        client = sdk_client(app)
        await client.beta.threads.messages.create(app.thread_id, role="user", content="/lorem 5000")
        other = await client.beta.threads.runs.create(app.thread_id, assistant_id=app.assistant["id"])
        await client.close()
        await send(pilot, "mine")
        await wait_for(pilot, lambda: "another run is still going" in said(app), what="the lock message")
        assert "press Esc to cancel it" in said(app)
        assert app.prompt.text == "mine"
        await wait_for(pilot, lambda: app.flow is not None and app.flow.run_id == other.id, what="the other run shown")
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        await pilot.press("enter")  # the draft goes out now
        await run_done(pilot)
        assert "mine" in assistant_texts(app)[-1]
        assert "Traceback" not in screen_text(app)


async def test_the_server_stopping_mid_stream(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 3\n")
    app = make_app(fresh_server=True)  # its own server, to stop
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 3000")
        await wait_for(pilot, lambda: assistant_texts(app) and len(assistant_texts(app)[-1]) > 200, what="streaming")
        await asyncio.to_thread(app.connection.server.stop)
        await wait_for(pilot, lambda: app.flow is None, what="the run given up")
        assert "The server stopped while this run was in progress" in said(app)
        await send(pilot, "are you there?")
        await wait_for(pilot, lambda: "Can't reach" in said(app), what="the connection message")
        assert f"The embedded server stopped (its log: {home / 'data' / 'server' / 'server.log'})" in said(app)
        assert app.prompt.text == "are you there?"
        assert app.status_line.status == "offline"
        assert "Traceback" not in screen_text(app)


async def test_the_embedded_server_process_dying(home):
    app = make_app(fresh_server=True)  # its own server, to kill
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        os.kill(app.connection.server.pid, signal.SIGKILL)
        await send(pilot, "still there?")
        await wait_for(pilot, lambda: "Can't reach" in said(app), what="the connection message")
        assert f"The embedded server stopped (its log: {home / 'data' / 'server' / 'server.log'})" in said(app)
        assert "Restart asst-tui" in said(app)
        assert app.prompt.text == "still there?" and app.status_line.status == "offline"
