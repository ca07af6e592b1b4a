"""Data text is shown literally: no Rich markup, no terminal control characters."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from asst_tui.tui.text import format_arguments, literal, visible

from .helpers import screen_segments, screen_text


class HostApp(App[None]):
    def __init__(self, *texts: str) -> None:
        super().__init__()
        self.texts = texts

    def compose(self) -> ComposeResult:
        for text in self.texts:
            yield Static(literal(text))


def test_visible_replaces_controls_but_keeps_newline_and_tab() -> None:
    assert visible("a\tb\nc") == "a\tb\nc"
    assert visible("\x1b[31m") == "␛[31m"
    assert visible("\x07\x00\x7f\r") == "␇␀␡␍"
    assert visible("line\r\nnext") == "line\nnext"
    assert visible("\x9b31m") == "\\x9b31m"
    assert visible("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert visible("plain ünïcode ✓") == "plain ünïcode ✓"


def test_literal_builds_plain_text() -> None:
    text = literal("[bold]x[/bold]", style="italic")
    assert isinstance(text, Text)
    assert text.plain == "[bold]x[/bold]"
    assert text.spans == []
    assert str(text.style) == "italic"


def test_format_arguments() -> None:
    assert format_arguments('{"a":1}') == ('{\n  "a": 1\n}', True)
    assert format_arguments("{not json") == ("{not json", False)


async def test_markup_stays_literal_in_a_static() -> None:
    app = HostApp("[bold red]x[/]", "[link=https://e.vil]click[/link]")
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[bold red]x[/]" in text
        assert "[link=https://e.vil]click[/link]" in text
        segments = screen_segments(app)
        assert not any(seg.style and seg.style.link for seg in segments)
        assert not any(seg.style and seg.style.bold and "x" in seg.text for seg in segments)


async def test_terminal_escapes_are_made_visible() -> None:
    app = HostApp("\x1b[31mred\x1b]8;;http://x\x07")
    async with app.run_test(size=(60, 4)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "␛[31mred␛]8;;http://x␇" in text
        assert "\x1b" not in text and "\x07" not in text
