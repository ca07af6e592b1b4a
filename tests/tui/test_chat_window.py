"""A long thread scrolled through to its first message and back: older pages load ahead, the text under the
user's eyes never jumps, and the lines kept in memory stay bounded."""

from __future__ import annotations

import re

from asst_tui.tui.textual_compat import after_each_frame
from asst_tui.tui.thread_actions import PAGE_SIZE as PAGE
from asst_tui.tui.widgets.chat_lines import LINE_BUDGET

from .helpers import SIZE, make_app, ready, run_done, sdk_client, send, wait_for, write_config

MESSAGES = 600


def body(n: int) -> str:
    """Message n: one to four lines, so messages differ in height."""
    return "\n\n".join([f"message {n}"] + [f"line {k} of message {n}" for k in range(1, n % 4)])


async def long_thread(app) -> str:
    client = sdk_client(app)
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": body(n)} for n in range(1, 21)])
    for n in range(21, MESSAGES + 1):
        await client.beta.threads.messages.create(thread.id, role="user", content=body(n))
    await client.close()
    app.registry.adopt_thread(app.identity, thread.id)
    return thread.id


FIRST_LINE = re.compile(r"▌ (message \d+)\s*$")


def rows(chat) -> list[str]:
    """The pane's rows as painted."""
    return [chat.render_line(y).text for y in range(chat.scrollable_content_region.height)]


class Frames:
    """Where each message sits on screen in every painted frame: {first line of the message: row}."""

    def __init__(self, app) -> None:
        self.shown: list[dict[str, int]] = []
        chat = app.chat

        def painted(screen) -> None:
            self.shown.append({match.group(1): row for row, text in enumerate(rows(chat))
                               if (match := FIRST_LINE.match(text))})

        after_each_frame(app, painted)

    async def scroll(self, pilot, chat, y: float) -> int:
        """Scroll the pane to `y` and return the index of the frame that shows it (a frame painting only the
        scrollbar may come first)."""
        mark, before = len(self.shown), self.shown[-1] if self.shown else None
        chat.scroll_to(y=y, animate=False, immediate=True)
        await wait_for(pilot, lambda: any(frame != before for frame in self.shown[mark:]), what="the scroll painted")
        return next(index for index in range(mark, len(self.shown)) if self.shown[index] != before)

    def assert_still(self, since: int) -> None:
        """Every frame painted after frame `since` shows the messages the frame before it showed, on the same rows."""
        frames = self.shown[since:]
        for before, after in zip(frames, frames[1:]):
            moved = {text: (row, after.get(text)) for text, row in before.items() if after.get(text) != row}
            assert not moved, f"the content under view jumped (message: (row before, row after)): {moved}"


def loaded(chat) -> list[str]:
    return [entry.source.split("\n")[0] for entry in chat.entries]


async def settle(pilot, chat) -> None:
    """Until no older page is being fetched and a frame has been painted since."""
    await wait_for(pilot, lambda: chat._older_before is None, what="the older page")
    await pilot.pause(0.05)


async def open_long_thread(pilot, app):
    """Once the app is ready, make the long thread and open it: its newest page shown and settled."""
    await ready(pilot)
    await app.open_thread(await long_thread(app))
    chat = app.chat
    await wait_for(pilot, lambda: loaded(chat) and loaded(chat)[-1] == f"message {MESSAGES}", what="the newest page")
    await settle(pilot, chat)
    return chat


async def test_scrolling_a_long_thread_to_the_top_and_back_loads_pages_ahead_and_keeps_the_view_still(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        chat = await open_long_thread(pilot, app)
        frames = Frames(app)
        for _ in range(MESSAGES // PAGE + 5):  # the user keeps scrolling to the top
            if loaded(chat)[0] == "message 1" and not chat.scroll_y:
                break
            scrolled = await frames.scroll(pilot, chat, 0)
            await settle(pilot, chat)
            frames.assert_still(scrolled)
        assert loaded(chat)[0] == "message 1" and not chat.has_older and len(loaded(chat)) == MESSAGES
        assert "message 1" in frames.shown[-1] and chat.scroll_y == 0
        assert chat._budget.lines <= LINE_BUDGET
        assert chat.last_reply() is None  # a thread of user messages

        scrolled = await frames.scroll(pilot, chat, chat.max_scroll_y)  # and back down to the newest
        await settle(pilot, chat)
        frames.assert_still(scrolled)
        assert chat.following and chat.scroll_y == chat.max_scroll_y
        assert f"message {MESSAGES}" in frames.shown[-1]
        assert all(entry.message_id for entry in chat.entries)
        await send(pilot, "/lorem 30")
        await run_done(pilot)
        [*_, question, reply] = chat.entries
        assert question.source == "/lorem 30" and question.message_id
        assert reply.role == "assistant" and chat.last_reply() == reply.source and len(reply.source.split()) >= 30
        assert chat.scroll_y == chat.max_scroll_y


async def test_a_reply_streams_while_the_user_reads_far_above_it_and_sending_jumps_to_the_newest(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 2\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        chat = await open_long_thread(pilot, app)
        await send(pilot, "/lorem 3000")
        await wait_for(pilot, lambda: len((chat.last_reply() or "").split()) > 100, what="the reply to stream")
        chat.scroll_to(y=0, animate=False, immediate=True)  # reading far above
        await settle(pilot, chat)
        frames = Frames(app)
        streamed = len(chat.last_reply())
        await wait_for(pilot, lambda: len(chat.last_reply()) > streamed + 2000, what="text streamed below the view")
        assert not chat.following and len(frames.shown) > 1
        frames.assert_still(0)  # the reply growing below never moved what the user reads
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        reply = chat.last_reply()

        chat.focus()
        await pilot.press("end")  # the newest back, with all that streamed
        await wait_for(pilot, lambda: chat.scroll_y == chat.max_scroll_y, what="the newest messages")
        await settle(pilot, chat)
        assert chat.following
        [*_, entry] = chat.entries
        assert entry.role == "assistant" and entry.source == reply
        assert re.findall(r"[a-z]+", reply)[-1] in "".join(rows(chat))

        chat.scroll_to(y=0, animate=False, immediate=True)  # far up again, then send: the pane jumps to the newest
        await settle(pilot, chat)
        await send(pilot, "/lorem 50")
        await run_done(pilot)
        [*_, question, answer] = chat.entries
        assert question.source == "/lorem 50" and answer.source == chat.last_reply()
        assert chat.following and chat.scroll_y == chat.max_scroll_y
