"""Text no answer can carry never reaches the store, and what an older server stored that way reads again.

A lone surrogate in a stored object made every later read of it a 500 (its answer can't be encoded as
UTF-8), a NaN the same (JSON has none): a thread, or the assistants list, was lost to the API. The
request side is checked in test_bad_input's table; here, the rows an older server wrote (as it wrote
them: `json.dumps` with its defaults) are repaired when the new one opens the data dir, and text that
arrives from elsewhere than a request (a model's reply) is repaired before it is stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from asst_tui.server import EmbeddedServer
from asst_tui.server.storage.sqlite_objects import MIGRATIONS, SCHEMA_VERSION, repair_unstorable

from .conftest import MODEL, message_text, sync_client, wait_for_status
from .scripted_upstream import ScriptedUpstream, text_reply

REPAIR_STEP = next(i for i, step in enumerate(MIGRATIONS) if repair_unstorable in step)


def _rewrite_as_an_old_server(data_dir: Path, object_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a stored object and write it back as the server before this fix did (and mark the data dir as its)."""
    db = sqlite3.connect(data_dir / "assistants.sqlite3", isolation_level=None)
    try:
        obj = json.loads(db.execute("SELECT data FROM objects WHERE id = ?", (object_id,)).fetchone()[0])
        change(obj)
        db.execute("UPDATE objects SET data = ? WHERE id = ?", (json.dumps(obj), object_id))
        db.execute(f"PRAGMA user_version = {REPAIR_STEP}")  # a data dir from before the repair step
    finally:
        db.close()


def test_a_thread_broken_by_an_old_server_reads_again(make_server: Callable[..., EmbeddedServer], tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    srv = make_server()
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}])
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "kept 😀 text"}], metadata={"k": "v"})
        message = client.beta.threads.messages.list(thread.id).data[0]
    srv.stop()

    def break_message(obj: dict[str, Any]) -> None:
        obj["content"][0]["text"]["value"] = "kept 😀 text, then a lone \ud800 surrogate and a NUL \x00"

    _rewrite_as_an_old_server(data_dir, message.id, break_message)
    _rewrite_as_an_old_server(data_dir, thread.id, lambda obj: obj["metadata"].update({"\udc00": "bad key"}))
    _rewrite_as_an_old_server(data_dir, assistant.id, lambda obj: obj["tools"][0]["function"]["parameters"].update(minimum=float("nan")))

    again = make_server(data_dir=data_dir)
    with httpx2.Client(base_url=again.base_url, timeout=30) as http:
        for path in (f"/threads/{thread.id}", f"/threads/{thread.id}/messages", f"/threads/{thread.id}/messages/{message.id}", f"/assistants/{assistant.id}", "/assistants"):
            assert http.get(path).status_code == 200, path
    with sync_client(again.base_url) as client:
        text = message_text(client.beta.threads.messages.retrieve(message.id, thread_id=thread.id))
        assert text == "kept 😀 text, then a lone \ufffd surrogate and a NUL \ufffd"
        assert client.beta.threads.retrieve(thread.id).metadata == {"k": "v", "\ufffd": "bad key"}
        assert client.beta.assistants.retrieve(assistant.id).tools[0].function.parameters == {"type": "object", "minimum": None}
        run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
        assert run.status == "completed"  # the repaired thread runs, too
    db = sqlite3.connect(data_dir / "assistants.sqlite3")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION  # repaired once: the next start skips the scan
    finally:
        db.close()


@pytest.fixture
def upstream() -> Iterator[ScriptedUpstream]:
    scripted = ScriptedUpstream().start()
    yield scripted
    scripted.stop()


def test_a_model_reply_with_a_lone_surrogate_is_stored_repaired(upstream: ScriptedUpstream, make_server: Callable[..., EmbeddedServer]) -> None:
    """JSON lets an upstream send "\\ud800"; the reply is kept (with U+FFFD in its place) and its thread stays readable."""
    srv = make_server(engine="chat", upstream_base_url=upstream.base_url, upstream_api_key="sk-upstream-test", upstream_timeout_s=5.0)
    upstream.script("broken-model", text_reply("half ", "\ud83d", " an emoji"))
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model="broken-model")
        thread = client.beta.threads.create(messages=[{"role": "user", "content": "hi"}])
        run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
        run = wait_for_status(client, thread.id, run.id, {"completed", "failed"})
        assert run.status == "completed", run.last_error
        replies = client.beta.threads.messages.list(thread.id, run_id=run.id).data
        assert [message_text(m) for m in replies] == ["half \ufffd an emoji"]
        steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
        assert steps and steps[0].status == "completed"
        assert client.beta.threads.retrieve(thread.id).id == thread.id
