"""Pieces shared by the form screens (assistant editor, run overrides): labelled fields that show their problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from ..text import literal

FORM_CSS = """
    align: center middle;
    & > Vertical {
        width: 96%;
        max-width: 120;
        height: 94%;
        padding: 0 1;
        border: thick $primary 60%;
        background: $surface;
    }
    .form--title { text-style: bold; }
    .form--body { height: 1fr; }
    .form--row { height: auto; }
    .form--row > .form-field { width: 1fr; margin-right: 1; }
    .form-field { height: auto; }
    .form-field--label { color: $text-muted; }
    .form-field--error { color: $error; height: auto; }
    .form-field.-invalid Input, .form-field.-invalid TextArea, .form-field.-invalid Select { border: tall $error; }
    .form-field TextArea { height: auto; min-height: 3; max-height: 14; }
    .form--status { color: $error; height: auto; }
    .form--hint { color: $text-muted; }
    .form--loading { color: $text-muted; text-style: italic; }
    .form--fields { height: auto; }
"""


def field(name: str, label: str, widget: Widget) -> ComposeResult:
    """A labelled widget with a line below it for its problem; the widget gets the id `name`."""
    widget.id = name
    with Vertical(classes="form-field", id=f"field-{name}"):
        yield Static(Text(label), classes="form-field--label")
        yield widget
        yield Static(Text(""), classes="form-field--error", id=f"error-{name}")


class LazyFields(Vertical):
    """A form's fields, composed by `compose_fields` once the form's frame has been painted."""

    def __init__(self, compose_fields: Callable[[], ComposeResult], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._compose_fields = compose_fields

    def compose(self) -> ComposeResult:
        yield from self._compose_fields()


def text_area(text: str = "") -> TextArea:
    return TextArea(text, soft_wrap=True, tab_behavior="focus", show_line_numbers=False)


class FormScreen(ModalScreen):
    """A modal form whose fields can be marked with the reason they were refused.

    Tab and Shift+Tab move the focus as priority keys: handled as they arrive, so in a quick burst the
    keys typed after a Tab go to the field it reached (else they are all given to the field that had
    the focus when the burst came in).
    """

    filled = True  # False until fill_later has mounted the fields: keys that need them do nothing before

    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    def mark(self, problems: dict[str, str]) -> None:
        """Show each problem under its field (clearing the others) and focus the first bad field."""
        for box in self.query(".form-field"):
            name = (box.id or "").removeprefix("field-")
            reason = problems.get(name)
            box.set_class(reason is not None, "-invalid")
            self.query_one(f"#error-{name}", Static).update(literal(reason or ""))
        first = next((name for name in self.field_order() if name in problems), None)
        if first is not None:
            self.query_one(f"#{first}").focus()

    def fill_later(self, compose_fields: Callable[[], ComposeResult], first: str) -> None:
        """Mount the fields after the first frame (that frame shows the form with a loading line), then focus `first`.

        A form with a dozen inputs, selects and text areas took ~350 ms to compose: the key that opened it
        showed nothing for that long.
        """
        self.filled = False
        async def fill() -> None:
            await self.query_one(".form--body").mount(LazyFields(compose_fields, classes="form--fields"))
            await self.query_one(".form--loading").remove()
            self.filled = True
            self.set_focus(self.query_one(f"#{first}"))

        self.call_after_refresh(lambda: self.run_worker(fill(), group="form-fill"))

    def field_order(self) -> list[str]:
        return [(box.id or "").removeprefix("field-") for box in self.query(".form-field")]

    def value(self, name: str) -> str:
        widget = self.query_one(f"#{name}")
        return widget.text if isinstance(widget, TextArea) else widget.value if isinstance(widget, Input) else ""

    def status(self, message: str) -> None:
        self.query_one(".form--status", Static).update(literal(message))
