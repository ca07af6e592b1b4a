"""One run's steps in order: messages created, code-interpreter calls, function calls, file searches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...client.run_info import clock, end_reason, took, usage_line
from ..text import format_arguments, literal, visible

if TYPE_CHECKING:
    from ...client.backend import Backend

MESSAGE_CHARS = 4000  # of a created message shown here
RESULT_CHARS = 400  # of each file-search result


def message_text(message: dict[str, Any]) -> str:
    parts = []
    for part in message.get("content") or []:
        if part.get("type") == "text":
            parts.append((part.get("text") or {}).get("value") or "")
        elif part.get("type") == "image_file":
            parts.append(f"[image {(part.get('image_file') or {}).get('file_id', '?')}]")
    return "\n".join(parts)


def run_header(run: dict[str, Any]) -> Text:
    line = Text.assemble(("Run ", "bold"), literal(run.get("id", ""), "bold"), "  ")
    line.append_text(literal(f"{run.get('status', '?')}  model {run.get('model') or '?'}  started {clock(run.get('created_at'), True)}"))
    if spent := took(run):
        line.append(f"  took {spent}")
    if usage := usage_line(run.get("usage")):
        line.append(f"\n{usage}")
    if reason := end_reason(run):
        line.append("\n")
        line.append_text(literal(reason, "bold red" if run.get("status") == "failed" else "yellow"))
    return line


def step_view(number: int, step: dict[str, Any], messages: dict[str, str]) -> RenderableType:
    """Everything one step holds, as data (never markup)."""
    details = step.get("step_details") or {}
    kind = details.get("type") or step.get("type") or "?"
    head = Text.assemble((f"{number}. ", "bold"), (kind.replace("_", " "), "bold cyan"), "  ")
    head.append_text(literal(f"{step.get('status', '?')}  {clock(step.get('created_at'))}", "dim"))
    if usage := usage_line(step.get("usage")):
        head.append(f"  {usage}", style="dim")
    parts: list[RenderableType] = [head]
    if error := step.get("last_error"):
        parts.append(literal(f"{error.get('code') or 'error'}: {error.get('message') or ''}", "red"))
    if kind == "message_creation":
        message_id = (details.get("message_creation") or {}).get("message_id") or "?"
        parts.append(literal(f"message {message_id}", "dim"))
        text = messages.get(message_id)
        if text:
            parts.append(literal(text[:MESSAGE_CHARS] + ("…" if len(text) > MESSAGE_CHARS else "")))
    for call in details.get("tool_calls") or []:
        parts.extend(_call_view(call))
    return Group(*parts, Text(""))


def _call_view(call: dict[str, Any]) -> list[RenderableType]:
    kind = call.get("type")
    title = Text.assemble(("  ", ""), (kind or "?", "bold"), "  ")
    title.append_text(literal(call.get("id") or "", "dim"))
    if kind == "code_interpreter":
        code = call.get("code_interpreter") or {}
        views: list[RenderableType] = [title, Text("  input:", style="dim")]
        views.append(Syntax(visible(code.get("input") or ""), "python", background_color="default", word_wrap=True, padding=(0, 0, 0, 4)))
        for output in code.get("outputs") or []:
            if output.get("type") == "logs":
                views += [Text("  logs:", style="dim"), _indented(output.get("logs") or "")]
            elif output.get("type") == "image":
                views.append(literal(f"  image {(output.get('image') or {}).get('file_id', '?')}"))
        return views
    if kind == "function":
        function = call.get("function") or {}
        arguments, valid = format_arguments(str(function.get("arguments") or ""))
        title.append_text(literal(f"  {function.get('name') or '(unnamed)'}", "bold"))
        views = [title, Text("  arguments:" + ("" if valid else " (not valid JSON; shown as received)"), style="dim")]
        views.append(_indented(arguments or "(none)"))
        output = function.get("output")
        views += [Text("  output:", style="dim"), _indented(output) if output is not None else Text("    (no output submitted)", style="yellow")]
        return views
    if kind == "file_search":
        return [title, *_search_view(call.get("file_search") or {})]
    return [title]


def _search_view(search: dict[str, Any]) -> list[RenderableType]:
    ranking = search.get("ranking_options") or {}
    views: list[RenderableType] = []
    if ranking:
        views.append(literal(f"  ranker {ranking.get('ranker', '?')}, score threshold {ranking.get('score_threshold', '?')}", "dim"))
    results = search.get("results") or []
    if not results:
        views.append(Text("    (no results)", style="dim"))
    for number, result in enumerate(results, 1):
        views.append(literal(f"    {number}. {result.get('file_name') or '?'} ({result.get('file_id', '?')})  score {result.get('score', 0):.3f}"))
        text = " ".join((part.get("text") or "") for part in result.get("content") or [] if part.get("type") == "text")
        if text:
            views.append(_indented(text[:RESULT_CHARS] + ("…" if len(text) > RESULT_CHARS else ""), 7))
    return views


def _indented(text: str, spaces: int = 4) -> Text:
    pad = " " * spaces
    return literal("\n".join(pad + line for line in text.splitlines() or [""]))


class RunStepsScreen(ModalScreen[None]):
    """The steps of one run, fetched from the run steps API; escape goes back."""

    DEFAULT_CSS = """
    RunStepsScreen {
        align: center middle;
        & > Vertical { width: 96%; max-width: 140; height: 94%; padding: 0 1; border: thick $primary 60%; background: $surface; }
        #steps-header { height: auto; margin-bottom: 1; }
        #steps { height: 1fr; }
        .step { height: auto; }
        #steps-hint { color: $text-muted; }
    }
    """
    BINDINGS = [Binding("escape,q", "close", "Back")]

    def __init__(self, backend: Backend, thread_id: str, run: dict[str, Any]) -> None:
        super().__init__()
        self.backend = backend
        self.thread_id = thread_id
        self.run_object = run
        self.steps: list[dict[str, Any]] | None = None  # None until loaded

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(run_header(self.run_object), id="steps-header")
            yield VerticalScroll(Static(Text("Loading the steps…"), classes="step"), id="steps")
            yield Static(Text("escape: back to the runs   arrows / page keys: scroll"), id="steps-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#steps").focus()
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        from ...client.errors import BackendError

        run_id = self.run_object["id"]
        try:
            try:
                steps = await self.backend.list_run_steps(self.thread_id, run_id, search_content=True)
            except BackendError as error:  # a server that doesn't know `include`
                if error.kind != "bad_request":
                    raise
                steps = await self.backend.list_run_steps(self.thread_id, run_id)
            messages = await self._messages(steps)
        except BackendError as error:
            await self._show([literal(f"{error.message} — {error.hint}", "red")])
            return
        self.steps = steps
        views = [step_view(number, step, messages) for number, step in enumerate(steps, 1)]
        await self._show(views or [Text("This run has no steps.", style="dim")])

    async def _messages(self, steps: list[dict[str, Any]]) -> dict[str, str]:
        from ...client.errors import BackendError

        texts = {}
        for step in steps:
            message_id = ((step.get("step_details") or {}).get("message_creation") or {}).get("message_id")
            if message_id:
                try:
                    texts[message_id] = message_text(await self.backend.retrieve_message(self.thread_id, message_id))
                except BackendError:
                    texts[message_id] = "(the message could not be fetched)"
        return texts

    async def _show(self, views: list[RenderableType]) -> None:
        box = self.query_one("#steps", VerticalScroll)
        await box.remove_children()
        await box.mount_all(Static(view, classes="step") for view in views)

    def action_close(self) -> None:
        self.dismiss(None)
