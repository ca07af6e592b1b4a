"""The chat pane on its own: streamed text is coalesced per frame and each piece of Markdown rendered once."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import App, ComposeResult

from asst_tui.tui.widgets.chat import ChatView
from asst_tui.tui.widgets.chat_message import MessageView, Segment


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatView()


async def test_deltas_are_coalesced_per_frame(monkeypatch) -> None:
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        await chat.begin_stream("msg_1")
        view = chat.query_one(MessageView)
        appends = []
        original = view.append
        monkeypatch.setattr(view, "append", lambda text: (appends.append(text), original(text)))
        for number in range(2000):
            chat.add_delta("msg_1", f"w{number} ")
        await pilot.pause(0.3)
        assert len(appends) == 1
        assert view.source.split() == [f"w{number}" for number in range(2000)]


async def test_markdown_is_rendered_once_though_measured_and_painted(monkeypatch) -> None:
    renders = []
    original = Markdown.__rich_console__

    def counted(self, console, options):
        renders.append(self)
        yield from original(self, console, options)

    monkeypatch.setattr(Markdown, "__rich_console__", counted)
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        text = "\n\n".join(f"Paragraph {n} with `code` and **bold**." for n in range(40))
        await chat.add_message("assistant", text)
        await pilot.pause(0.2)
        segments = list(chat.query(Segment))
        assert len(segments) > 1  # a long message is cut into segments
        assert len(renders) == len(segments)  # one render each, reused for height and paint
        assert "".join(segment.source for segment in segments) == text


async def test_code_blocks_recolour_when_the_theme_changes() -> None:
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        chat = app.query_one(ChatView)
        await chat.add_message("assistant", "```python\nprint('hi')\n```")
        await pilot.pause()
        [segment] = chat.query(Segment)
        assert segment.content.renderable.code_theme == "monokai"
        app.theme = "textual-light"
        await pilot.pause()
        assert segment.content.renderable.code_theme == "friendly"
