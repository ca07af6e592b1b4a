"""Transcript rendering, naming and saving, from hand-built thread dumps."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from asst_tui.client.transcripts import (
    FORMAT,
    ThreadDump,
    save_transcript,
    to_json,
    to_markdown,
    transcript_filename,
)

T0 = 1_795_000_000  # a fixed instant; headings show it in local time


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _text(value: str, annotations: list | None = None) -> dict:
    return {"type": "text", "text": {"value": value, "annotations": annotations or []}}


def _message(mid: str, role: str, at: int, content: list, run_id: str | None = None, **extra) -> dict:
    return {"id": mid, "object": "thread.message", "role": role, "created_at": at, "content": content,
            "run_id": run_id, "attachments": extra.get("attachments", [])}


def _tool_step(sid: str, run_id: str, calls: list) -> dict:
    return {"id": sid, "run_id": run_id, "type": "tool_calls",
            "step_details": {"type": "tool_calls", "tool_calls": calls}}


def _message_step(sid: str, run_id: str, message_id: str) -> dict:
    return {"id": sid, "run_id": run_id, "type": "message_creation",
            "step_details": {"type": "message_creation", "message_creation": {"message_id": message_id}}}


CODE = 'print("```not a fence```")\nprint(2 ** 10)'
CITED = "The report says so【4:0†source】 and the chart is [here](sandbox:/mnt/data/chart.png)."


@pytest.fixture
def dump() -> ThreadDump:
    code_call = {"id": "call_code", "type": "code_interpreter",
                 "code_interpreter": {"input": CODE, "outputs": [
                     {"type": "logs", "logs": "```not a fence```\n1024\n"},
                     {"type": "image", "image": {"file_id": "file-plot"}}]}}
    function_call = {"id": "call_fn", "type": "function", "function": {
        "name": "get_current_temperature", "arguments": '{"location": "Paris", "unit": "c"}',
        "output": '{"temperature": 21}'}}
    first, second = CITED.index("【4:0†source】"), CITED.index("sandbox:")
    citation = {"type": "file_citation", "text": "【4:0†source】", "start_index": first, "end_index": first + 12,
                "file_citation": {"file_id": "file-report", "quote": "revenue grew\n 12%"}}
    path = {"type": "file_path", "text": "sandbox:/mnt/data/chart.png", "start_index": second, "end_index": second + 27,
            "file_path": {"file_id": "file-chart"}}
    messages = [
        _message("msg_1", "user", T0, [_text("Run this please: [bold red]x[/]")],
                 attachments=[{"file_id": "file-data", "tools": [{"type": "code_interpreter"}]}]),
        _message("msg_2", "assistant", T0 + 5, [_text("Done: **1024**."), {"type": "image_file", "image_file": {"file_id": "file-plot"}}], "run_1"),
        _message("msg_3", "user", T0 + 60, [_text("Weather in Paris?")]),
        _message("msg_4", "assistant", T0 + 65, [_text(CITED, [citation, path])], "run_2"),
        _message("msg_5", "user", T0 + 120, [_text("/fail server_error")]),
    ]
    runs = [
        {"id": "run_1", "status": "completed", "created_at": T0 + 1},
        {"id": "run_2", "status": "completed", "created_at": T0 + 61},
        {"id": "run_3", "status": "failed", "created_at": T0 + 121,
         "last_error": {"code": "server_error", "message": "The demo engine failed on purpose."}},
    ]
    steps = {
        "run_1": [_tool_step("step_1", "run_1", [code_call]), _message_step("step_2", "run_1", "msg_2")],
        "run_2": [_tool_step("step_3", "run_2", [function_call]), _message_step("step_4", "run_2", "msg_4")],
        "run_3": [],
    }
    thread = {"id": "thread_abc", "object": "thread", "created_at": T0, "metadata": {}}
    return ThreadDump(thread, messages, runs, steps, files={"file-report": {"id": "file-report", "filename": "report.pdf"}})


def test_markdown_heading_and_messages(dump: ThreadDump) -> None:
    md = to_markdown(dump, "Paris [weather]")
    assert md.startswith("# Paris [weather]\n\nThread `thread_abc`")
    assert f"### User — {_when(T0)}\n\nRun this please: [bold red]x[/]" in md
    assert f"### Assistant — {_when(T0 + 5)}\n\n**Code interpreter**" in md
    assert "Done: **1024**.\n\n[image: `file-plot`]" in md
    assert "Attached: `file-data`" in md


def test_markdown_code_call_opens_its_reply_and_cannot_break_out(dump: ThreadDump) -> None:
    md = to_markdown(dump, "t")
    code_block = f"````python\n{CODE}\n````"
    logs_block = "````text\n```not a fence```\n1024\n````"
    assert code_block in md and logs_block in md
    assert md.index("### Assistant") < md.index("**Code interpreter**") < md.index(code_block) < md.index(logs_block)
    assert md.index(logs_block) < md.index("[image: `file-plot`]") < md.index("Done: **1024**.")


def _sections(md: str) -> list[tuple[str, str]]:
    """(heading, body) of each `###` section."""
    parts = md.split("\n### ")[1:]
    return [(part.split("\n", 1)[0], part.split("\n", 1)[1] if "\n" in part else "") for part in parts]


def test_markdown_tool_calls_sit_under_the_assistant_turn_that_made_them(dump: ThreadDump) -> None:
    md = to_markdown(dump, "t")
    sections = _sections(md)
    assert [heading.split(" ")[0] for heading, _ in sections] == ["User", "Assistant", "User", "Assistant", "User", "Assistant"]
    for heading, body in sections:
        if heading.startswith("User"):
            assert "**Code interpreter**" not in body and "**Function call**" not in body and "_Run `" not in body
    assert "**Code interpreter**" in sections[1][1] and "**Function call**" in sections[3][1]
    assert "_Run `run_3` failed" in sections[5][1]  # a run that wrote nothing has its own assistant turn


def test_saved_markdown_shows_images_saved_beside_it(dump: ThreadDump, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n-pixels"
    dump.images["file-plot"] = png
    dump.files["file-plot"] = {"id": "file-plot", "filename": "plot [1].png"}
    dump.files["file-data"] = {"id": "file-data", "filename": "data.csv"}
    path = save_transcript(dump, tmp_path, "md", "Plots", now=datetime(2026, 1, 2, 3, 4))
    md = path.read_text(encoding="utf-8")
    saved = tmp_path / "plots-2026-01-02-0304-files" / "file-plot.png"
    assert saved.read_bytes() == png
    assert md.count("![plot \\[1\\].png](plots-2026-01-02-0304-files/file-plot.png)") == 2  # the code output and the reply
    assert "[image:" not in md
    assert "Attached: `file-data` (data.csv)" in md
    document = json.loads(save_transcript(dump, tmp_path, "json", "Plots").read_text(encoding="utf-8"))
    assert set(document["files"]) == {"file-report", "file-plot", "file-data"}


def test_markdown_function_call(dump: ThreadDump) -> None:
    md = to_markdown(dump, "t")
    arguments = '```json\n{\n  "location": "Paris",\n  "unit": "c"\n}\n```'
    assert "**Function call** `get_current_temperature`" in md
    assert arguments in md
    assert 'Output:\n\n```text\n{"temperature": 21}\n```' in md
    assert md.index("Weather in Paris?") < md.index(arguments) < md.index("The report says so")


def test_markdown_citations_become_footnotes(dump: ThreadDump) -> None:
    md = to_markdown(dump, "t")
    assert "The report says so[^1] and the chart is [here](sandbox:/mnt/data/chart.png)[^2]." in md
    assert '[^1]: `file-report` (report.pdf): "revenue grew 12%"' in md
    assert "[^2]: file `file-chart`" in md
    assert "【" not in md


def test_markdown_run_without_message_says_how_it_ended(dump: ThreadDump) -> None:
    md = to_markdown(dump, "t")
    note = "_Run `run_3` failed: The demo engine failed on purpose._"
    assert note in md
    assert md.index("/fail server_error") < md.index(note)


def test_markdown_silent_run_sits_between_messages() -> None:
    thread = {"id": "thread_x", "created_at": T0}
    messages = [_message("m1", "user", T0, [_text("first")]), _message("m2", "user", T0 + 50, [_text("second")])]
    runs = [{"id": "run_c", "status": "cancelled", "created_at": T0 + 1}]
    steps = {"run_c": [_tool_step("s1", "run_c", [{"id": "c1", "type": "function", "function": {
        "name": "lookup", "arguments": "not json", "output": None}}])]}
    md = to_markdown(ThreadDump(thread, messages, runs, steps), "t")
    assert md.index("first") < md.index("**Function call** `lookup`") < md.index("_Run `run_c` cancelled_") < md.index("second")
    assert "```text\nnot json\n```" in md


def test_json_has_every_object_and_keeps_unicode(dump: ThreadDump) -> None:
    dump.messages[0]["content"][0]["text"]["value"] = "Grüße 日本 [bold red]x[/]"
    document = json.loads(to_json(dump))
    assert document["format"] == FORMAT == "asst-tui-transcript/1"
    assert datetime.fromisoformat(document["exported_at"]).tzinfo is not None
    assert document["thread"] == dump.thread
    assert document["messages"] == dump.messages
    assert document["runs"] == dump.runs
    assert document["steps"] == dump.steps
    assert "Grüße 日本 [bold red]x[/]" in to_json(dump)
    assert to_json(dump).startswith('{\n  "')


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("../../etc/passwd", "etc-passwd"),
        ("C:\\Users\\me", "c-users-me"),
        ("日本語のタイトル", "日本語のタイトル"),
        ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
        ("tab\tnew\nline\x00nul\x1b[31m", "tab-new-line-nul-31m"),
        ("", "thread"),
        ("...", "thread"),
        ("x" * 100, "x" * 60),
    ],
)
def test_filename_slug(title: str, slug: str) -> None:
    when = datetime(2026, 11, 21, 14, 3)
    assert transcript_filename(title, when, "md") == f"{slug}-2026-11-21-1403.md"
    assert transcript_filename(title, when, "json") == f"{slug}-2026-11-21-1403.json"


def test_filename_fits_a_file_system_name() -> None:
    name = transcript_filename("𐌰" * 80, datetime(2026, 1, 2, 3, 4), "json")
    assert len(name.encode("utf-8")) <= 255 and "/" not in name


def test_unknown_format_is_refused(dump: ThreadDump, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        save_transcript(dump, tmp_path, "pdf", "t")


def test_save_never_overwrites(dump: ThreadDump, tmp_path: Path) -> None:
    now = datetime(2026, 11, 21, 14, 3)
    directory = tmp_path / "new" / "dir"
    paths = [save_transcript(dump, directory, "md", "My thread", now=now) for _ in range(3)]
    assert [p.name for p in paths] == [
        "my-thread-2026-11-21-1403.md",
        "my-thread-2026-11-21-1403-2.md",
        "my-thread-2026-11-21-1403-3.md",
    ]
    assert all(p.read_text(encoding="utf-8") == to_markdown(dump, "My thread") for p in paths)
    json_path = save_transcript(dump, directory, "json", "My thread", now=now)
    assert json_path.name == "my-thread-2026-11-21-1403.json"
    assert json.loads(json_path.read_text(encoding="utf-8"))["messages"] == dump.messages
    assert sorted(p.name for p in directory.iterdir()) == sorted(p.name for p in [*paths, json_path])


def test_a_transcript_written_to_a_chosen_path_saves_its_images_beside_it(dump: ThreadDump, tmp_path: Path) -> None:
    from asst_tui.client.transcripts import write_transcript

    dump.images["file-plot"] = b"\x89PNG-bytes"
    write_transcript(dump, tmp_path / "notes.md", "md", "t")
    assert (tmp_path / "notes-files" / "file-plot.png").read_bytes() == b"\x89PNG-bytes"
    assert "![image](notes-files/file-plot.png)" in (tmp_path / "notes.md").read_text(encoding="utf-8")
    write_transcript(dump, tmp_path / "notes.json", "json", "t")
    assert not (tmp_path / "notes.json-files").exists() and not (tmp_path / "notes-files" / "notes.json").exists()
