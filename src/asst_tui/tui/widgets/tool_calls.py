"""The tool calls the run panel shows: code-interpreter calls (code, logs, files) and function calls (arguments, output)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from asst_tui.tui.text import format_arguments, literal, visible

LOG_TAIL = 20_000
"""Characters of logs shown per call; earlier ones are dropped from the display."""


def _joined(parts: list[str]) -> str:
    """Join streamed pieces and keep them joined, so each join only adds the new pieces."""
    if len(parts) > 1:
        parts[:] = ["".join(parts)]
    return parts[0] if parts else ""


def _tail(text: str) -> str:
    if len(text) <= LOG_TAIL:
        return text
    return f"… {len(text) - LOG_TAIL} earlier characters not shown\n" + text[-LOG_TAIL:]


class FileItem(Static, can_focus=True):
    """An image or file a tool produced; enter, s or a click asks the app to save it."""

    BINDINGS = [Binding("enter,s", "save", "Save file")]

    def __init__(self, kind: str, file_id: str) -> None:
        super().__init__(
            Text.assemble((f"{kind} ", "bold"), literal(file_id), ("  s: save", "dim")),
            classes="file-item",
        )
        self.file_id = file_id

    class SaveRequested(Message):
        """The user asked to save the file."""

        def __init__(self, file_id: str) -> None:
            super().__init__()
            self.file_id = file_id

    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self.file_id))

    def on_click(self) -> None:
        self.action_save()


class CallView(Vertical):
    """One tool call in the panel; subclasses add what their type shows."""

    def __init__(self, call_id: str, title: str) -> None:
        super().__init__(classes="call")
        self.call_id = call_id
        self.title = title
        self.done = False
        self._header = Static(classes="call--header")
        self._render_header()

    def compose(self) -> ComposeResult:
        yield self._header

    def finish(self) -> None:
        self.done = True
        self._render_header()

    def _render_header(self) -> None:
        mark = ("✓ ", "bold") if self.done else ("▸ ", "")
        self._header.update(Text.assemble(mark, literal(self.title, style="bold")))

    def render_content(self) -> None:
        """Bring the widgets up to date with the accumulated text (called at most once a frame)."""


class CodeCallView(CallView):
    """A code-interpreter call: highlighted input, logs, and the files it produced."""

    def __init__(self, call_id: str) -> None:
        super().__init__(call_id, "code interpreter")
        self._code: list[str] = []
        self._logs: list[str] = []
        self._file_ids: list[tuple[str, str]] = []
        self._code_view = Static(classes="call--code")
        self._logs_view = Static(classes="call--logs")
        self._logs_view.display = False
        self._files_box = Vertical(classes="call--files")

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self._code_view
        yield self._logs_view
        with self._files_box:
            yield from (FileItem(kind, file_id) for kind, file_id in self._file_ids)

    def append_input(self, text: str) -> None:
        self._code.append(text)

    def set_input(self, text: str) -> None:
        self._code = [text]

    def append_logs(self, text: str) -> None:
        self._logs.append(text)

    def set_logs(self, text: str) -> None:
        self._logs = [text]

    def add_file(self, kind: str, file_id: str) -> None:
        if any(known == file_id for _, known in self._file_ids):
            return
        self._file_ids.append((kind, file_id))
        if self._files_box.is_attached:
            self._files_box.mount(FileItem(kind, file_id))

    @property
    def code(self) -> str:
        return _joined(self._code)

    @property
    def logs(self) -> str:
        return _joined(self._logs)

    def render_content(self) -> None:
        from rich.syntax import Syntax  # Pygments: not on the way to the first frame

        code, logs = self.code, self.logs
        dark = self.app.current_theme.dark
        self._code_view.display = bool(code)
        self._code_view.update(Syntax(visible(code), "python", theme="monokai" if dark else "default", word_wrap=True))
        self._logs_view.display = bool(logs)
        self._logs_view.update(literal(_tail(logs).rstrip("\n")))


class FunctionCallView(CallView):
    """A function call: its arguments and the output sent back."""

    def __init__(self, call_id: str, name: str) -> None:
        super().__init__(call_id, f"function {name}" if name else "function")
        self._arguments: list[str] = []
        self._output: str | None = None
        self._arguments_view = Static(classes="call--arguments")
        self._output_view = Static(classes="call--output")
        self._output_view.display = False

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self._arguments_view
        yield self._output_view

    def set_name(self, name: str) -> None:
        if name:
            self.title = f"function {name}"
            self._render_header()

    def append_input(self, text: str) -> None:
        self._arguments.append(text)

    def set_input(self, text: str) -> None:
        self._arguments = [text]

    def set_output(self, output: str) -> None:
        self._output = output

    @property
    def has_output(self) -> bool:
        return self._output is not None

    def render_content(self) -> None:
        shown, _ = format_arguments(_joined(self._arguments))
        self._arguments_view.update(literal(shown))
        if self._output is not None:
            self._output_view.display = True
            self._output_view.update(Text.assemble(("output sent: ", "bold"), literal(self._output)))
