"""A thread dump as Markdown: headings per message, tool calls in fences they can't break, citations as footnotes."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .thread_dump import ThreadDump, annotations


def render_markdown(dump: ThreadDump, title: str, image_links: dict[str, str]) -> str:
    return _MarkdownDoc(dump, image_links).render(title)


class _MarkdownDoc:
    """One rendering: collects the footnotes and remembers which run steps are already shown."""

    def __init__(self, dump: ThreadDump, image_links: dict[str, str]) -> None:
        self.dump = dump
        self.image_links = image_links
        self.footnotes: list[str] = []
        self.rendered_steps: set[str] = set()

    def render(self, title: str) -> str:
        thread = self.dump.thread
        lines = [f"# {_one_line(title) or 'Thread'}", "", f"Thread `{thread.get('id', '')}`"]
        if thread.get("created_at"):
            lines[-1] += f" · created {_when(thread['created_at'])}"
        blocks = ["\n".join(lines)]
        by_run: dict[str, list[dict[str, Any]]] = {}
        for message in self.dump.messages:
            if message.get("run_id"):
                by_run.setdefault(message["run_id"], []).append(message)
        silent = [r for r in self.dump.runs if r.get("id") not in by_run]  # runs that wrote no message
        for message in self.dump.messages:
            while silent and (silent[0].get("created_at") or 0) < (message.get("created_at") or 0):
                blocks.extend(self._silent_run(silent.pop(0)))
            run_id = message.get("run_id")
            before = self._steps_before(run_id, message["id"]) if run_id else []
            blocks.append(self._message(message, before))
            if run_id and by_run[run_id][-1] is message:
                blocks.extend(self._run_rest(self._run(run_id)))
        for run in silent:
            blocks.extend(self._silent_run(run))
        if self.footnotes:
            blocks.append("\n".join(self.footnotes))
        return "\n\n".join(blocks) + "\n"

    def _run(self, run_id: str) -> dict[str, Any]:
        return next((r for r in self.dump.runs if r.get("id") == run_id), {"id": run_id})

    def _steps_before(self, run_id: str, message_id: str) -> list[str]:
        """The run's tool-call steps that came before the step creating `message_id`."""
        blocks = []
        for step in self.dump.steps.get(run_id, ()):
            details = step.get("step_details") or {}
            if (details.get("message_creation") or {}).get("message_id") == message_id:
                break
            blocks.extend(self._step(step))
        return blocks

    def _silent_run(self, run: dict[str, Any]) -> list[str]:
        """A run that wrote no message: under an assistant heading of its own, its tool calls and how it ended."""
        rest = self._run_rest(run)
        if not rest:
            return []
        heading = "### Assistant" + (f" — {_when(run['created_at'])}" if run.get("created_at") else "")
        return [heading, *rest]

    def _run_rest(self, run: dict[str, Any]) -> list[str]:
        """The run's tool-call steps not shown yet, and how it ended if it didn't complete."""
        blocks = []
        for step in self.dump.steps.get(run.get("id", ""), ()):
            blocks.extend(self._step(step))
        status = run.get("status")
        if status and status != "completed":
            error = run.get("last_error") or {}
            reason = error.get("message") or (run.get("incomplete_details") or {}).get("reason") or ""
            note = f"_Run `{run.get('id', '')}` {status}"
            blocks.append(note + (f": {_one_line(reason)}_" if reason else "_"))
        return blocks

    def _step(self, step: dict[str, Any]) -> list[str]:
        details = step.get("step_details") or {}
        if details.get("type") != "tool_calls" or step.get("id") in self.rendered_steps:
            return []
        self.rendered_steps.add(step["id"])
        return [self._tool_call(call) for call in details.get("tool_calls") or ()]

    def _tool_call(self, call: dict[str, Any]) -> str:
        kind = call.get("type")
        if kind == "code_interpreter":
            code = call.get("code_interpreter") or {}
            parts = ["**Code interpreter**", _fenced(code.get("input") or "", "python")]
            for output in code.get("outputs") or ():
                if output.get("type") == "logs":
                    parts.append(_fenced(output.get("logs") or "", "text"))
                elif output.get("type") == "image":
                    parts.append(self._image((output.get("image") or {}).get("file_id") or ""))
            return "\n\n".join(parts)
        if kind == "function":
            function = call.get("function") or {}
            parts = [f"**Function call** `{_one_line(function.get('name') or '')}`", _json_block(function.get("arguments"))]
            if function.get("output") is not None:
                parts += ["Output:", _fenced(str(function["output"]), "text")]
            return "\n\n".join(parts)
        if kind == "file_search":
            results = (call.get("file_search") or {}).get("results")
            return "**File search**" + (f" ({len(results)} results)" if results else "")
        return f"**Tool call** `{_one_line(str(kind))}`"

    def _message(self, message: dict[str, Any], before: list[str]) -> str:
        """The message under its heading; `before`: the tool calls its run made before writing it."""
        heading = f"### {str(message.get('role') or 'unknown').capitalize()}"
        if message.get("created_at"):
            heading += f" — {_when(message['created_at'])}"
        parts = [heading, *before]
        for part in message.get("content") or ():
            kind = part.get("type")
            if kind == "text":
                parts.append(self._text(part))
            elif kind == "image_file":
                parts.append(self._image((part.get("image_file") or {}).get("file_id") or ""))
            elif kind == "image_url":
                parts.append(f"[image: {(part.get('image_url') or {}).get('url', '')}]")
            elif kind == "refusal":
                parts.append(f"_Refused: {part.get('refusal') or ''}_")
        attached = [a.get("file_id") for a in message.get("attachments") or () if a.get("file_id")]
        if attached:
            parts.append("Attached: " + ", ".join(self._file_label(file_id) for file_id in attached))
        return "\n\n".join(parts)

    def _file_label(self, file_id: str) -> str:
        name = (self.dump.files.get(file_id) or {}).get("filename")
        return f"`{file_id}`" + (f" ({_one_line(name)})" if name else "")

    def _image(self, file_id: str) -> str:
        """An image saved beside the transcript, linked; else named (its file id, and its name where known)."""
        name = _one_line((self.dump.files.get(file_id) or {}).get("filename") or "image")
        link = self.image_links.get(file_id)
        if link:
            return f"![{_link_text(name)}]({link})"
        return f"[image: {self._file_label(file_id)}]"

    def _text(self, part: dict[str, Any]) -> str:
        """The text as written with footnote references: a citation's placeholder is replaced by one,
        a file path (usually a link target) is kept and followed by one, after the link."""
        value = str((part.get("text") or {}).get("value") or "")
        notes = sorted(annotations(part), key=lambda n: n.get("start_index") or 0)
        markers = [self._footnote(note) for note in notes]
        for note, marker in reversed(list(zip(notes, markers))):  # from the end: earlier indexes stay valid
            quoted = note.get("text") or ""
            start, end = note.get("start_index"), note.get("end_index")
            if not (quoted and isinstance(start, int) and isinstance(end, int) and value[start:end] == quoted):
                start = value.find(quoted) if quoted else -1
                end = start + len(quoted)
            if start < 0:
                value += marker
            elif note["type"] == "file_path":
                after = end + 1 if value[end : end + 1] == ")" else end
                value = value[:after] + marker + value[after:]
            else:
                value = value[:start] + marker + value[end:]
        return value

    def _footnote(self, note: dict[str, Any]) -> str:
        kind = note["type"]
        detail = note.get(kind) or {}
        file_id = detail.get("file_id") or ""
        name = (self.dump.files.get(file_id) or {}).get("filename")
        label = f"`{file_id}`" + (f" ({_one_line(name)})" if name else "")
        if kind == "file_path":
            label = f"file {label}"
        quote = detail.get("quote")
        if quote:
            label += f': "{_one_line(quote)}"'
        self.footnotes.append(f"[^{len(self.footnotes) + 1}]: {label}")
        return f"[^{len(self.footnotes)}]"


def _fenced(content: str, lang: str) -> str:
    """A fenced block whose fence is longer than any backtick run inside, so content can't close it."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{content.rstrip(chr(10))}\n{fence}"


def _json_block(arguments: Any) -> str:
    try:
        pretty = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return _fenced(str(arguments or ""), "text")
    return _fenced(pretty, "json")


def _link_text(text: str) -> str:
    """Text that can't end a Markdown link's brackets."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _when(timestamp: int | float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
