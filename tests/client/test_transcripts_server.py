"""Transcripts of a real thread (a code run and a function run) fetched from the embedded server."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from asst_tui.client.backend import Backend
from asst_tui.client.events import MessageDone, RequiresAction, RunEnded
from asst_tui.client.transcripts import ThreadDump, fetch_dump, save_transcript, to_json, to_markdown

from .conftest import API_KEY

CODE = "for word in ['alpha', 'beta']:\n    print(word.upper())\n_ = open('notes.txt', 'w').write('x')\n"
MARKUP = "[bold red]x[/] and [link=file:///etc/passwd]y[/link]"


async def _conversation(backend: Backend, assistant: dict[str, Any]) -> str:
    thread = await backend.create_thread(metadata={"title": "Transcript test"})
    thread_id = thread["id"]
    await backend.add_message(thread_id, f"{MARKUP}\n\n```python\n{CODE}```")
    events = [e async for e in backend.stream_run(thread_id, assistant["id"])]
    assert isinstance(events[-1], RunEnded) and events[-1].status == "completed"
    await backend.add_message(thread_id, 'get_current_temperature {"location": "Paris"}')
    events = [e async for e in backend.stream_run(thread_id, assistant["id"])]
    action = events[-1]
    assert isinstance(action, RequiresAction)
    outputs = [{"tool_call_id": action.tool_calls[0]["id"], "output": '{"celsius": 21}'}]
    events = [e async for e in backend.submit_tool_outputs(thread_id, action.run_id, outputs)]
    assert isinstance(events[-1], RunEnded) and events[-1].status == "completed"
    assert any(isinstance(e, MessageDone) for e in events)
    return thread_id


async def _dump(backend: Backend, assistant: dict[str, Any]) -> ThreadDump:
    return await fetch_dump(backend, await _conversation(backend, assistant))


async def test_dump_holds_everything_in_order(backend: Backend, assistant: dict[str, Any]) -> None:
    dump = await _dump(backend, assistant)
    assert dump.thread["metadata"] == {"title": "Transcript test"}
    assert [m["role"] for m in dump.messages] == ["user", "assistant", "user", "assistant"]
    assert len(dump.runs) == 2 and dump.runs[0]["created_at"] <= dump.runs[1]["created_at"]
    assert set(dump.steps) == {r["id"] for r in dump.runs}
    assert [s["type"] for s in dump.steps[dump.runs[0]["id"]]] == ["tool_calls", "message_creation"]
    assert [s["type"] for s in dump.steps[dump.runs[1]["id"]]] == ["tool_calls", "message_creation"]
    assert [f["filename"] for f in dump.files.values()] == ["notes.txt"]


async def test_markdown_of_a_real_thread(backend: Backend, assistant: dict[str, Any]) -> None:
    dump = await _dump(backend, assistant)
    md = to_markdown(dump, "Transcript [test]")
    assert md.startswith(f"# Transcript [test]\n\nThread `{dump.thread['id']}`")
    assert MARKUP in md
    assert f"```python\n{CODE.rstrip()}\n```" in md
    assert "```text\nALPHA\nBETA\n```" in md
    assert "**Function call** `get_current_temperature`" in md
    assert '```json\n{\n  "location": "Paris"\n}\n```' in md
    assert 'Output:\n\n```text\n{"celsius": 21}\n```' in md
    assert "(notes.txt)" in md and "[^1]" in md
    assert md.count("### User — ") == 2 and md.count("### Assistant — ") == 2
    first_reply = md.index("### Assistant — ")
    second_question = md.index("### User — ", first_reply)
    assert first_reply < md.index("**Code interpreter**") < second_question < md.rindex("### Assistant — ")
    assert md.rindex("### Assistant — ") < md.index("**Function call**")
    assert API_KEY not in md


async def test_json_of_a_real_thread(backend: Backend, assistant: dict[str, Any]) -> None:
    dump = await _dump(backend, assistant)
    text = to_json(dump)
    document = json.loads(text)
    assert document["format"] == "asst-tui-transcript/1"
    assert document["thread"]["id"] == dump.thread["id"]
    assert [m["id"] for m in document["messages"]] == [m["id"] for m in dump.messages]
    assert [r["id"] for r in document["runs"]] == [r["id"] for r in dump.runs]
    assert document["steps"] == dump.steps
    assert MARKUP in text
    assert API_KEY not in text


async def test_saved_files_never_overwrite(backend: Backend, assistant: dict[str, Any], tmp_path: Path) -> None:
    dump = await _dump(backend, assistant)
    now = datetime(2026, 11, 21, 14, 3)
    first = save_transcript(dump, tmp_path / "out", "md", "Café: notes/today", now=now)
    second = save_transcript(dump, tmp_path / "out", "md", "Café: notes/today", now=now)
    exported = save_transcript(dump, tmp_path / "out", "json", "Café: notes/today", now=now)
    assert first.name == "café-notes-today-2026-11-21-1403.md"
    assert second.name == "café-notes-today-2026-11-21-1403-2.md"
    assert exported.name == "café-notes-today-2026-11-21-1403.json"
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8") == to_markdown(dump, "Café: notes/today")
    assert json.loads(exported.read_text(encoding="utf-8"))["messages"] == dump.messages
    for path in (first, second, exported):
        assert API_KEY not in path.read_text(encoding="utf-8")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp files left


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1a5ee0000000049454e44ae426082"
)


async def test_a_thread_with_an_attachment_and_a_generated_image(backend: Backend, assistant: dict[str, Any], tmp_path: Path) -> None:
    thread_id = (await backend.create_thread())["id"]
    (tmp_path / "data.csv").write_bytes(b"a,b\n1,2\n")
    csv = await backend.upload_file(tmp_path / "data.csv")
    code = f"open('dot.png', 'wb').write(bytes.fromhex('{PNG.hex()}'))\n"
    await backend.add_message(thread_id, f"```python\n{code}```", [{"file_id": csv["id"], "tools": [{"type": "code_interpreter"}]}])
    events = [e async for e in backend.stream_run(thread_id, assistant["id"])]
    assert isinstance(events[-1], RunEnded) and events[-1].status == "completed"
    dump = await fetch_dump(backend, thread_id)
    [image_id] = dump.images
    assert dump.images[image_id] == PNG
    assert {csv["id"], image_id} <= set(dump.files)
    path = save_transcript(dump, tmp_path / "out", "md", "Images", now=datetime(2026, 1, 2, 3, 4))
    md = path.read_text(encoding="utf-8")
    user, reply = md.split("\n### ")[1:]
    assert user.startswith("User") and "**Code interpreter**" not in user and f"`{csv['id']}` (data.csv)" in user
    assert reply.startswith("Assistant") and "**Code interpreter**" in reply
    link = f"images-2026-01-02-0304-files/{image_id}.png"
    assert f"]({link})" in reply and (tmp_path / "out" / link).read_bytes() == PNG
    document = json.loads(to_json(dump))
    assert {csv["id"], image_id} <= set(document["files"])
