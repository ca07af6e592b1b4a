"""Citation footnotes name the cited file and quote the passage once the file's name is known."""

from __future__ import annotations

from asst_tui.tui.file_names import remember_name
from asst_tui.tui.message_format import cited_file_ids, render_message

MARK = "【0:0†source】"


def cited(value: str, file_id: str) -> dict:
    start = value.index(MARK)
    note = {"type": "file_citation", "text": MARK, "start_index": start, "end_index": start + len(MARK), "file_citation": {"file_id": file_id}}
    return {"content": [{"type": "text", "text": {"value": value, "annotations": [note]}}]}


def test_footnote_with_name_and_quote() -> None:
    message = cited("Found:\n\n1. **notes.md**: “The launch code is `blue`.” " + MARK + "\n", "file-fn1")
    assert cited_file_ids(message) == ["file-fn1"]
    assert render_message(message).markdown.endswith("1. cited from file `file-fn1` (【0:0†source】)")
    remember_name("file-fn1", "notes\x1b[31m.md")
    assert render_message(message).markdown.endswith("1. `notes␛[31m.md`: “The launch code is `blue`.”")


def test_long_quotes_are_cut_and_plain_sentences_are_quoted() -> None:
    remember_name("file-fn2", "long.txt")
    message = cited("x" * 300 + MARK, "file-fn2")
    footnote = render_message(message).markdown.rsplit("\n", 1)[-1]
    assert footnote.startswith("1. `long.txt`: “xxx") and footnote.endswith("…”") and len(footnote) < 130
