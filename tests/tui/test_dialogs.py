"""Confirm, text-input and help dialogs."""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, DataTable

from asst_tui.tui.screens.dialogs import ConfirmScreen, TextInputScreen
from asst_tui.tui.keymap import Keymap
from asst_tui.tui.screens.help import HelpScreen

from .helpers import screen_text


class Host(App[None]):
    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.dialog = screen
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


async def run_keys(screen: Screen, *keys: str) -> Host:
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    return app


async def test_confirm_keys() -> None:
    assert (await run_keys(ConfirmScreen("Delete it?"), "y")).results == [True]
    assert (await run_keys(ConfirmScreen("Delete it?"), "enter")).results == [True]
    assert (await run_keys(ConfirmScreen("Delete it?"), "n")).results == [False]
    assert (await run_keys(ConfirmScreen("Delete it?"), "escape")).results == [False]


async def test_confirm_buttons_and_literal_question() -> None:
    app = Host(ConfirmScreen("Delete “[red]evil[/]\x1b[2J”?", confirm_label="Remove"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Delete “[red]evil[/]␛[2J”?" in text
        assert "Remove" in text
        await pilot.click("#confirm-no")
        await pilot.pause()
        assert app.results == [False]
    app = Host(ConfirmScreen("Delete it?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click(app.dialog.query_one("#confirm-yes", Button))
        await pilot.pause()
        assert app.results == [True]


async def test_text_input_submits_and_cancels() -> None:
    assert (await run_keys(TextInputScreen("Title", initial="ab"), "end", "c", "enter")).results == ["abc"]
    # The initial text starts selected, so typing replaces it.
    assert (await run_keys(TextInputScreen("Title", initial="ab"), "c", "enter")).results == ["c"]
    assert (await run_keys(TextInputScreen("Title", initial="ab"), "c", "escape")).results == [None]


async def test_text_input_validation_keeps_dialog_open() -> None:
    def no_spaces(value: str) -> str | None:
        return "No spaces, please [or else]." if " " in value else None

    app = Host(TextInputScreen("Thread id", placeholder="thread_…", validate=no_spaces))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"a b", "enter")
        await pilot.pause()
        assert app.results == []
        assert "No spaces, please [or else]." in screen_text(app)
        await pilot.press("left", "backspace")
        await pilot.pause()
        assert "No spaces" not in screen_text(app)  # typing clears the error
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == ["ab"]


async def test_help_lists_the_keys_grouped_with_each_dialogs_keys_and_closes(tmp_path) -> None:
    from asst_tui.config import KeySetting

    keys = Keymap({"files_view": KeySetting(("ctrl+k",), tmp_path / "config.toml", 3)})
    for key in ("f1", "escape", "q"):
        app = Host(HelpScreen(keys))
        async with app.run_test(size=(100, 60)) as pilot:
            await pilot.pause()
            table = app.dialog.query_one(DataTable)
            await pilot.pause()
            rows = [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
            assert rows.index(" | Threads | ") < rows.index("Ctrl+N | New thread | new_thread")
            assert "Ctrl+K | Files and vector stores of the thread and assistant | files_view" in rows
            assert "Esc | Cancel the run (while a run is going) | cancel_run" in rows
            heading = rows.index(" | Function-call prompt (F6) | ")
            assert "Ctrl+S | Submit all | " in rows[heading:] and "Ctrl+X | Cancel run | " in rows[heading:]
            assert " | Overrides for the next run | " in rows and "Enter | Send the message (in the prompt) | " in rows
            chat = rows.index(" | Chat (Ctrl+G; the selected message) | ")
            assert {"J | Next message | ", "E | Edit and resend the message | ", "/ / F | Find in the thread | ", "Shift+G | Last message | ", "G | First message | "} <= set(rows[chat:])
            assert "Esc | Close find | " in rows[rows.index(" | Find in the chat (/ or f in the chat) | "):]
            await pilot.press(key)
            await pilot.pause()
            assert app.results == [None]
