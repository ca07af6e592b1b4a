"""Per-run overrides: parameters sent with the next run only (or with every run while pinned)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Select, Static, Switch, TextArea

from ..run_overrides import RunOverrides
from .form import FORM_CSS, FormScreen, field, text_area

MIN_TOKENS = 256  # the API's smallest max_prompt_tokens / max_completion_tokens
DEFAULT = "default"  # the Select value that leaves a parameter to the assistant


def tool_choice_value(params: dict[str, Any]) -> str:
    choice = params.get("tool_choice")
    if isinstance(choice, dict):
        return f"function:{choice.get('function', {}).get('name', '')}"
    return choice or DEFAULT


class RunOverridesScreen(FormScreen):
    """Dismisses with the new RunOverrides (empty params: none), or None when closed without applying."""

    DEFAULT_CSS = "RunOverridesScreen {" + FORM_CSS + "}"
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", priority=True),
        Binding("ctrl+r", "clear", "Clear all", priority=True),
        Binding("escape", "close", "Close, change nothing"),
    ]

    def __init__(self, current: RunOverrides | None = None, functions: Iterable[str] = (), assistant: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.current = current or RunOverrides()
        self.functions = list(functions)
        self.assistant = assistant or {}

    def compose(self) -> ComposeResult:
        with Vertical(id="form-frame"):
            yield Static(Text("Overrides for the next run"), classes="form--title")
            yield VerticalScroll(classes="form--body")
            yield Static(Text("Loading the fields…"), classes="form--loading")
            yield Static(Text(""), classes="form--status")
            yield Static(Text("ctrl+s: apply   ctrl+r: clear all   escape: close, change nothing"), classes="form--hint")

    def on_mount(self) -> None:
        self.fill_later(self.compose_fields, first="model")

    def compose_fields(self) -> ComposeResult:
        p = self.current.params
        truncation = p.get("truncation_strategy") or {}
        choices = [("assistant's default", DEFAULT), ("auto", "auto"), ("none", "none"), ("required", "required")]
        choices += [(f"function {name}", f"function:{name}") for name in self.functions]
        chosen = tool_choice_value(p)
        if chosen not in {value for _, value in choices}:
            chosen = DEFAULT
        with Horizontal(classes="form--row"):
            model = self.assistant.get("model") or ""
            yield from field("model", "Model", Input(p.get("model", ""), placeholder=f"assistant's: {model}"))
            yield from field("temperature", "Temperature (0-2)", Input(_text(p.get("temperature")), placeholder="assistant's"))
            yield from field("tool_choice", "Tool choice", Select(choices, allow_blank=False, value=chosen))
        with Horizontal(classes="form--row"):
            yield from field("max_prompt_tokens", f"Max prompt tokens (≥ {MIN_TOKENS})", Input(_text(p.get("max_prompt_tokens")), placeholder="no limit"))
            yield from field("max_completion_tokens", f"Max completion tokens (≥ {MIN_TOKENS})", Input(_text(p.get("max_completion_tokens")), placeholder="no limit"))
        with Horizontal(classes="form--row"):
            kind = truncation.get("type") or DEFAULT
            options = [("assistant's default", DEFAULT), ("auto", "auto"), ("last N messages", "last_messages")]
            yield from field("truncation", "Truncation", Select(options, allow_blank=False, value=kind))
            yield from field("last_messages", "N (for last N messages)", Input(_text(truncation.get("last_messages"))))
        yield from field("instructions", "Instructions (replace the assistant's)", text_area(p.get("instructions", "")))
        yield from field("additional_instructions", "Additional instructions (appended)", text_area(p.get("additional_instructions", "")))
        yield from field("pin", "Pin: keep these for every run until changed", Switch(self.current.pinned))

    def params(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The run parameters the form holds, and the problem of each field that is wrong."""
        params: dict[str, Any] = {}
        problems: dict[str, str] = {}
        if model := self.value("model").strip():
            params["model"] = model
        for name in ("instructions", "additional_instructions"):
            if (text := self.value(name)).strip():
                params[name] = text
        try:
            if (temperature := _number(self.value("temperature"), float, 0, 2)) is not None:
                params["temperature"] = temperature
        except ValueError as exc:
            problems["temperature"] = str(exc)
        for name in ("max_prompt_tokens", "max_completion_tokens"):
            try:
                if (count := _number(self.value(name), int, MIN_TOKENS)) is not None:
                    params[name] = count
            except ValueError as exc:
                problems[name] = str(exc)
        choice = self.query_one("#tool_choice", Select).value
        if choice != DEFAULT:
            kind, _, name = str(choice).partition(":")
            params["tool_choice"] = {"type": "function", "function": {"name": name}} if kind == "function" else choice
        truncation = self.query_one("#truncation", Select).value
        if truncation == "auto":
            params["truncation_strategy"] = {"type": "auto"}
        elif truncation == "last_messages":
            try:
                last = _number(self.value("last_messages"), int, 1)
                if last is None:
                    raise ValueError("how many messages? (1 or more)")
                params["truncation_strategy"] = {"type": "last_messages", "last_messages": last}
            except ValueError as exc:
                problems["last_messages"] = str(exc)
        return params, problems

    def action_apply(self) -> None:
        if not self.filled:
            return
        params, problems = self.params()
        self.mark(problems)
        if problems:
            self.status(f"Not applied: {len(problems)} field{'s' * (len(problems) > 1)} to fix (marked above).")
            return
        self.dismiss(RunOverrides(params, self.query_one("#pin", Switch).value))

    def action_clear(self) -> None:
        if not self.filled:
            return
        for widget in self.query(Input):
            widget.value = ""
        for area in self.query(TextArea):
            area.load_text("")
        for select in self.query(Select):
            select.value = DEFAULT
        self.query_one("#pin", Switch).value = False
        self.mark({})
        self.status("Cleared: ctrl+s applies no overrides.")

    def action_close(self) -> None:
        self.dismiss(None)


def _number(text: str, kind: type, low: float, high: float | None = None) -> Any:
    """Empty → None; else the number, or ValueError saying what is expected."""
    text = text.strip()
    if not text:
        return None
    expected = f"a whole number of {low} or more" if kind is int else f"a number from {low:g} to {high:g}"
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{text!r}: expected {expected}") from None
    if value < low or high is not None and value > high:
        raise ValueError(f"{text!r}: expected {expected}")
    return value


def _text(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
