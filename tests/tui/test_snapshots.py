"""SVG snapshots of the main screens with fixed content (no server ids or clocks on screen)."""

from __future__ import annotations

from asst_tui.tui.widgets.sidebar import Sidebar
from asst_tui.registry import ThreadEntry

from .helpers import SIZE, make_app, ready, wait_for

CREATED = 1_790_000_000  # a fixed time, shown as 14:13 UTC

REPLY = (
    "Here is the code I ran:\n\n```python\nsquares = [n * n for n in range(1, 6)]\nprint(squares)\n```\n\n"
    "The report agrees【4:0†source】. Saved as sandbox:/mnt/data/squares.csv."
)
CITATION = "【4:0†source】"
PATH = "sandbox:/mnt/data/squares.csv"


def _span(text: str) -> dict[str, int]:
    start = REPLY.index(text)
    return {"start_index": start, "end_index": start + len(text)}


MESSAGES = [
    {"id": "msg_1", "role": "user", "created_at": CREATED,
     "content": [{"type": "text", "text": {"value": "Plot the squares of 1..5 and cite the report.", "annotations": []}}]},
    {"id": "msg_2", "role": "assistant", "created_at": CREATED + 5, "content": [
        {"type": "text", "text": {"value": REPLY, "annotations": [
            {"type": "file_citation", "text": CITATION, **_span(CITATION), "file_citation": {"file_id": "file_report"}},
            {"type": "file_path", "text": PATH, **_span(PATH), "file_path": {"file_id": "file_csv"}},
        ]}},
        {"type": "image_file", "image_file": {"file_id": "file_plot"}},
    ]},
]

THREADS = [
    ThreadEntry("thread_a", "Squares and a plot", last_active=3),
    ThreadEntry("thread_b", "Weather in Paris", last_active=2),
    ThreadEntry("thread_c", "An old thread the server lost", last_active=1, stale=True),
    ThreadEntry("thread_d", "Archived ideas", last_active=0, archived=True),
]


async def quiet(pilot) -> None:
    """Wait for startup, then stop the cursor blinking so frames are stable."""
    app = await ready(pilot)
    app.prompt.cursor_blink = False
    app.status_line.sandbox = "isolated"  # whichever this machine's server could run: the same picture everywhere
    await pilot.pause(0.2)


def test_first_run_welcome(home, snap_compare):
    assert snap_compare(make_app(fresh_server=True), terminal_size=SIZE, run_before=quiet)  # a first run


def test_conversation_with_code_footnotes_and_files(home, snap_compare):
    async def show(pilot) -> None:
        await quiet(pilot)
        app = pilot.app
        app.thread_id = "thread_a"
        app.query_one(Sidebar).show_threads(THREADS, "thread_a")
        await app.chat.show_messages(MESSAGES, False)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=show)


def test_help_screen(home, snap_compare):
    async def help_(pilot) -> None:
        await quiet(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "complete", False), what="the whole key table")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=help_)
