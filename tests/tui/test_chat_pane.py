"""The chat pane on its own: deltas coalesced per frame, each block rendered once, themes, selection, memory."""

from __future__ import annotations

from rich.color import Color
from textual.app import App, ComposeResult

from asst_tui.server.runs.engines.lorem import lorem_markdown
from asst_tui.tui.textual_compat import after_each_frame, paint_now
from asst_tui.tui.widgets import chat as chat_module
from asst_tui.tui.widgets.chat import ChatView
from asst_tui.tui.widgets.chat_entry import Entry
from asst_tui.tui.widgets.chat_lines import LineBudget

from .test_text import screen_text


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatView()


def counting_renders(monkeypatch) -> list[str]:
    """Every Markdown block the pane renders, by source."""
    rendered: list[str] = []
    original = chat_module.render_block

    def counted(console, source, width, code_theme):
        rendered.append(source)
        return original(console, source, width, code_theme)

    monkeypatch.setattr(chat_module, "render_block", counted)
    return rendered


async def test_deltas_are_coalesced_per_frame(monkeypatch) -> None:
    appends = []
    original = Entry.append
    monkeypatch.setattr(Entry, "append", lambda self, text: (appends.append(text), original(self, text)))
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        await chat.begin_stream("msg_1")
        for number in range(2000):
            chat.add_delta("msg_1", f"w{number} ")
        await pilot.pause(0.3)
        assert len(appends) == 1
        assert chat.last_reply().split() == [f"w{number}" for number in range(2000)]
        assert "w1999" in screen_text(app)  # followed to the end


async def test_paint_now_paints_before_it_returns() -> None:
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        await chat.add_message("assistant", "Hello")
        await pilot.pause(0.1)
        painted: list[str] = []
        after_each_frame(app, lambda screen: painted.append(screen_text(app)))
        chat.refresh()
        paint_now(chat)
        assert painted and "Hello" in painted[0]  # not left to the screen's next update tick


async def test_each_block_is_rendered_once_however_often_it_is_painted(monkeypatch) -> None:
    rendered = counting_renders(monkeypatch)
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        text = "\n\n".join(f"Paragraph {n} with `code` and **bold**." for n in range(40))
        await chat.add_message("assistant", text)
        await pilot.pause(0.3)
        for y in (chat.max_scroll_y // 2, chat.max_scroll_y, 0):  # painted again and again
            chat.scroll_to(y=y, animate=False)
            await pilot.pause(0.05)
        [entry] = chat.entries
        assert len(entry.blocks) == 40 and sorted(rendered) == sorted(block.source for block in entry.blocks)
        assert "Paragraph 0 with code and bold." in screen_text(app)


async def test_streaming_renders_only_the_open_block_again(monkeypatch) -> None:
    rendered = counting_renders(monkeypatch)
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        await chat.begin_stream("msg_1")
        text = lorem_markdown(3000)
        for start in range(0, len(text), 200):
            chat.add_delta("msg_1", text[start:start + 200])
            await pilot.pause(0.04)  # about a frame per delta
        chat.flush()
        await pilot.pause(0.2)
        [entry] = chat.entries
        frames = -(-len(text) // 200)
        assert chat.last_reply() == text
        assert len(rendered) <= len(entry.blocks) + 2 * frames  # not every block on every frame
        assert max(len(source) for source in rendered) < 1000  # never the whole reply at once


async def test_code_blocks_recolour_when_the_theme_changes() -> None:
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        await chat.add_message("assistant", "```python\nprint('hi')\n```")
        await pilot.pause()

        def code_background() -> Color | None:
            strips = app.screen._compositor.render_strips()
            return next(segment.style.bgcolor for strip in strips for segment in strip
                        if "print" in segment.text and segment.style is not None)

        assert code_background() == Color.parse("#272822")  # monokai, for a dark theme
        app.theme = "textual-light"
        await pilot.pause()
        assert code_background() == Color.parse("#f0f0f0")  # friendly, for a light one


async def test_a_reply_can_be_selected_and_copied_with_the_mouse() -> None:
    app = Host()
    async with app.run_test(size=(80, 12)) as pilot:
        chat = app.query_one(ChatView)
        await chat.add_message("assistant", "First line of the reply.\n\nSecond paragraph, *kept* as shown.")
        await pilot.pause(0.1)
        rows = screen_text(app).splitlines()
        top = next(row for row, text in enumerate(rows) if "First line" in text)
        bottom = next(row for row, text in enumerate(rows) if "Second paragraph" in text)
        await pilot.mouse_down(offset=(rows[top].index("First"), top))
        await pilot.hover(offset=(40, bottom))
        await pilot.mouse_up(offset=(40, bottom))
        await pilot.pause(0.1)
        assert app.screen.get_selected_text() == "First line of the reply.\n\nSecond paragraph, kept as shown."
        await pilot.press("ctrl+c")
        assert app.clipboard == "First line of the reply.\n\nSecond paragraph, kept as shown."


def test_the_line_budget_drops_the_least_recently_shown_lines_and_keeps_heights() -> None:
    budget = LineBudget(limit=10)
    entry = Entry("assistant", "\n\n".join(f"paragraph {n}" for n in range(6)))
    entry.set_width(40)
    for block in entry.blocks:
        block.lines, block.width, block.height = [("x", (1, 0))] * 3, 40, 3
        budget.rendered(block)
    budget.touch(entry.blocks[0])
    budget.trim()
    assert budget.lines <= 10
    kept = [block for block in entry.blocks if block.lines is not None]
    assert entry.blocks[0] in kept and entry.blocks[1] not in kept
    assert all(block.height == 3 and block.exact(40) for block in entry.blocks)  # heights stay known
    before = budget.lines
    del kept, block
    gone = entry.blocks.pop()  # a block replaced by newer text (the streamed tail) leaves the count
    assert gone.lines is not None
    del gone
    assert budget.lines == before - 3
