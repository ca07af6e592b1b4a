"""Create or edit an assistant: every field of its definition, checked before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Select, Static, Switch

from ...client.assistant_files import metadata_problem, parse_functions, problems_of
from ..text import literal
from .form import FORM_CSS, FormScreen, field, text_area

Save = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
KEEP = "keep"  # the response_format option that keeps a format the editor does not offer (text, json_schema)


def functions_text(tools: list[dict[str, Any]]) -> str:
    """The function tools as the editor shows them: a JSON array of bare function definitions."""
    functions = [tool.get("function") or {} for tool in tools if tool.get("type") == "function"]
    return json.dumps(functions, indent=2, ensure_ascii=False) if functions else ""


def metadata_text(metadata: dict[str, str] | None) -> str:
    return "\n".join(f"{key} = {value}" for key, value in (metadata or {}).items())


def parse_metadata(text: str) -> dict[str, str]:
    """`key = value` lines to a dict; ValueError names the bad line."""
    metadata: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"line {number}: write key = value")
        metadata[key.strip()] = value.strip()
    if (problem := metadata_problem(metadata)) is not None:
        raise ValueError(problem)
    return metadata


def parse_number(text: str) -> float | None:
    """Empty → None (the server's default); ValueError when it isn't a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


class AssistantEditorScreen(FormScreen):
    """Dismisses with the saved assistant, or None when closed without saving.

    `save` sends the parameters (create or update); when the server refuses them the editor stays
    open and says why.
    """

    DEFAULT_CSS = "AssistantEditorScreen {" + FORM_CSS + "}"
    BINDINGS = [Binding("ctrl+s", "save", "Save", priority=True), Binding("escape", "close", "Close without saving")]

    def __init__(self, title: str, save: Save, assistant: dict[str, Any] | None = None, *, creating: bool = True) -> None:
        super().__init__()
        self.form_title = title
        self.save = save
        self.assistant = assistant or {}
        self.creating = creating

    def compose(self) -> ComposeResult:
        a = self.assistant
        tools = a.get("tools") or []
        types = {tool.get("type") for tool in tools}
        with Vertical():
            yield Static(literal(self.form_title), classes="form--title")
            with VerticalScroll(classes="form--body"):
                with Horizontal(classes="form--row"):
                    yield from field("name", "Name", Input(a.get("name") or "", placeholder="(no name)"))
                    yield from field("model", "Model", Input(a.get("model") or "", placeholder="e.g. gpt-4o, demo"))
                yield from field("description", "Description", Input(a.get("description") or ""))
                yield from field("instructions", "Instructions", text_area(a.get("instructions") or ""))
                with Horizontal(classes="form--row"):
                    yield from field("temperature", "Temperature (0-2)", Input(_number(a.get("temperature")), placeholder="default"))
                    yield from field("top_p", "top_p (0-1)", Input(_number(a.get("top_p")), placeholder="default"))
                    yield from field("response_format", "Response format", self._format_select(a.get("response_format")))
                yield from field("metadata", "Metadata (one key = value per line)", text_area(metadata_text(a.get("metadata"))))
                with Horizontal(classes="form--row"):
                    yield from field("code_interpreter", "Code interpreter", Switch("code_interpreter" in types))
                    yield from field("file_search", "File search", Switch("file_search" in types))
                yield from field(
                    "functions",
                    "Function tools (JSON array of {name, description, parameters: JSON Schema})",
                    text_area(functions_text(tools)),
                )
            yield Static(Text(""), classes="form--status")
            yield Static(Text("ctrl+s: save   escape: close without saving   tab: next field"), classes="form--hint")

    def _format_select(self, current: Any) -> Select:
        options: list[tuple[str, str]] = [("auto", "auto"), ("json_object", "json_object")]
        value = "json_object" if isinstance(current, dict) and current.get("type") == "json_object" else "auto"
        if isinstance(current, dict) and current.get("type") not in (None, "json_object"):
            options.append((f"keep: {current['type']}", KEEP))
            value = KEEP
        return Select(options, allow_blank=False, value=value)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def params(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The create/update parameters the form holds, and the problem of each field that is wrong."""
        problems: dict[str, str] = {}
        params: dict[str, Any] = {"model": self.value("model").strip()}
        for name in ("name", "description", "instructions"):
            text = self.value(name)
            if text or not self.creating:
                params[name] = text
        for name in ("temperature", "top_p"):
            try:
                if (number := parse_number(self.value(name))) is not None:
                    params[name] = number
            except ValueError as exc:
                problems[name] = str(exc)
        choice = self.query_one("#response_format", Select).value
        params["response_format"] = self.assistant.get("response_format") if choice == KEEP else (
            {"type": "json_object"} if choice == "json_object" else "auto"
        )
        try:
            params["metadata"] = parse_metadata(self.value("metadata"))
        except ValueError as exc:
            problems["metadata"] = str(exc)
        try:
            functions = parse_functions(self.value("functions"))
        except ValueError as exc:
            problems["functions"] = str(exc)
            functions = []
        params["tools"] = self._builtin_tools() + functions
        for name, reason in problems_of(params).items():
            problems.setdefault("functions" if name == "tools" else name, reason)
        return params, problems

    def _builtin_tools(self) -> list[dict[str, Any]]:
        """The code_interpreter and file_search tools switched on, keeping file_search options already set."""
        kept = {tool.get("type"): tool for tool in self.assistant.get("tools") or []}
        return [
            kept.get(kind) or {"type": kind}
            for kind in ("code_interpreter", "file_search")
            if self.query_one(f"#{kind}", Switch).value
        ]

    def action_save(self) -> None:
        params, problems = self.params()
        self.mark(problems)
        if problems:
            count = len(problems)
            self.status(f"Not saved: {count} field{'s need' if count > 1 else ' needs'} fixing (marked above).")
            return
        self.status("Saving…")
        self.run_worker(self._save(params), group="save", exclusive=True)

    async def _save(self, params: dict[str, Any]) -> None:
        from ...client.errors import BackendError

        try:
            saved = await self.save(params)
        except BackendError as error:
            self.status(f"The server refused it: {error.message} — {error.hint}")
            return
        self.dismiss(saved)

    def action_close(self) -> None:
        self.dismiss(None)


def _number(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
