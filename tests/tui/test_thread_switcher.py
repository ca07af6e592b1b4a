"""The fuzzy thread switcher."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.app import App
from textual.widgets import OptionList

from asst_tui.tui.screens.thread_switcher import ThreadSwitcher, fuzzy_match

from .helpers import screen_segments, screen_text


@dataclass
class Entry:
    id: str
    title: str
    last_active: int
    archived: bool = False
    stale: bool = False


NOW = int(time.time())
ENTRIES = [
    Entry("thread_old", "Quarterly report draft", NOW - 86400 * 3),
    Entry("thread_new", "Weather questions", NOW - 60),
    Entry("thread_mid", "[bold]markup title[/]", NOW - 3600, archived=True),
    Entry("thread_gone", "Gone thread", NOW - 7200, stale=True),
]


class Host(App[None]):
    def __init__(self, entries: list[Entry]) -> None:
        super().__init__()
        self.entries = entries
        self.results: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(ThreadSwitcher(self.entries), self.results.append)


def shown_ids(app: App) -> list[str | None]:
    return [option.id for option in app.screen.query_one(OptionList).options]


def test_fuzzy_match_scores_word_starts_and_runs_higher() -> None:
    assert fuzzy_match("xyz", "abc") is None
    assert fuzzy_match("", "abc") == (0, [])
    score, positions = fuzzy_match("qr", "Quarterly report")
    assert positions == [0, 10]  # both word starts, not the "r" inside "Quarterly"
    assert fuzzy_match("rep", "report")[0] > fuzzy_match("rep", "ruleep")[0]
    assert fuzzy_match("wq", "Weather questions")[0] > fuzzy_match("wq", "awkward quip")[0]
    assert fuzzy_match("tn", "threadName")[1] == [0, 6]  # camelCase word start


async def test_most_recent_first_and_titles_literal() -> None:
    app = Host(ENTRIES)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert shown_ids(app) == ["thread_new", "thread_mid", "thread_gone", "thread_old"]
        text = screen_text(app)
        assert "[bold]markup title[/]" in text
        assert "archived" in text and "stale" in text
        color = {seg.text.strip(): seg.style.color for seg in screen_segments(app)}
        assert color["Gone thread"] != color["Quarterly report draft"]  # stale is dimmed


async def test_filter_on_title_and_id_then_enter_picks() -> None:
    app = Host(ENTRIES)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"qrep")
        await pilot.pause()
        assert shown_ids(app)[0] == "thread_old"
        await pilot.press(*["backspace"] * 4, *"mid")
        await pilot.pause()
        assert shown_ids(app)[0] == "thread_mid"  # matched on the id
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == ["thread_mid"]


async def test_up_down_move_and_no_match_message() -> None:
    app = Host(ENTRIES)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down", "up", "down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == ["thread_gone"]
    app = Host(ENTRIES)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"zzzz")
        await pilot.pause()
        assert "No thread matches." in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_click_picks() -> None:
    app = Host(ENTRIES)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        option_list = app.screen.query_one(OptionList)
        await pilot.click(option_list, offset=(3, 1))
        await pilot.pause()
        assert app.results == ["thread_mid"]
