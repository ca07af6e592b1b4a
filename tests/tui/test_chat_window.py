"""A long thread keeps a bounded window of messages mounted; the text under the user's eyes never jumps."""

from __future__ import annotations

from asst_tui.tui.textual_compat import after_each_frame, visible_widgets
from asst_tui.tui.widgets.chat import PAGE, WINDOW
from asst_tui.tui.widgets.chat_message import MessageView

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


class Frames:
    """Where each message sits on screen in every painted frame: {first line of the message: screen row}."""

    def __init__(self, app) -> None:
        self.shown: list[dict[str, int]] = []
        chat = app.chat

        def painted(screen) -> None:
            self.shown.append({view.source.split("\n")[0]: region.y for view, (region, _) in visible_widgets(screen).items()
                               if isinstance(view, MessageView) and view.parent is chat})

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


def mounted(chat) -> list[str]:
    return [view.source.split("\n")[0] for view in chat.query_children(MessageView)]


async def settle(pilot, chat) -> None:
    """Until no page is being mounted and a frame has been painted since."""
    await wait_for(pilot, lambda: not chat._paging, what="the page to be mounted")
    await pilot.pause(0.05)


async def open_long_thread(pilot, app):
    """Once the app is ready, make the long thread and open it: its newest page mounted and settled."""
    await ready(pilot)
    await app.open_thread(await long_thread(app))
    chat = app.chat
    await wait_for(pilot, lambda: len(mounted(chat)) == 40, what="the newest page")
    await settle(pilot, chat)
    return chat


async def test_scrolling_a_long_thread_to_the_top_and_back_keeps_a_window_mounted_and_the_view_still(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        chat = await open_long_thread(pilot, app)
        frames = Frames(app)
        largest = 0
        for _ in range(MESSAGES // PAGE + 5):  # the user keeps scrolling to the top
            if mounted(chat)[0] == "message 1" and not chat.scroll_y:
                break
            scrolled = await frames.scroll(pilot, chat, 0)
            await settle(pilot, chat)
            frames.assert_still(scrolled)
            largest = max(largest, len(mounted(chat)))
        assert largest <= WINDOW
        assert mounted(chat)[0] == "message 1" and not chat.has_older
        assert mounted(chat)[-1] != f"message {MESSAGES}"  # the newest ones were unmounted on the way up
        assert chat.last_reply() is None  # a thread of user messages (unmounted ones count too)

        for _ in range(MESSAGES // PAGE + 5):  # and back down to the newest
            if chat.following:
                break
            scrolled = await frames.scroll(pilot, chat, chat.max_scroll_y)
            await settle(pilot, chat)
            frames.assert_still(scrolled)
            assert len(mounted(chat)) <= WINDOW
        assert mounted(chat)[-1] == f"message {MESSAGES}"
        assert chat.scroll_y == chat.max_scroll_y
        messages = [view for view in chat.query_children(MessageView)]
        assert all(view.message_id for view in messages)
        await send(pilot, "/lorem 30")
        await run_done(pilot)
        [*_, question, reply] = chat.query_children(MessageView)
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
        for _ in range(10):  # reading far above, the reply's view is unmounted
            if not any(view.role == "assistant" for view in chat.query_children(MessageView)):
                break
            chat.scroll_to(y=0, animate=False, immediate=True)
            await settle(pilot, chat)
        assert not any(view.role == "assistant" for view in chat.query_children(MessageView))
        streamed = len(chat.last_reply())
        await wait_for(pilot, lambda: len(chat.last_reply()) > streamed + 200, what="text streamed while unmounted")
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        reply = chat.last_reply()

        chat.focus()
        await pilot.press("end")  # the newest back, with all that streamed
        await wait_for(pilot, lambda: mounted(chat)[-1] == reply.split("\n")[0], what="the newest messages")
        await settle(pilot, chat)
        assert chat.following and chat.scroll_y == chat.max_scroll_y
        [*_, view] = chat.query_children(MessageView)
        assert view.role == "assistant" and view.source == reply

        for _ in range(10):  # far up again, then send: the pane jumps to the newest and follows it
            if mounted(chat)[-1] != reply.split("\n")[0]:
                break
            chat.scroll_to(y=0, animate=False, immediate=True)
            await settle(pilot, chat)
        await send(pilot, "/lorem 50")
        await run_done(pilot)
        [*_, question, answer] = chat.query_children(MessageView)
        assert question.source == "/lorem 50" and answer.source == chat.last_reply()
        assert chat.following and chat.scroll_y == chat.max_scroll_y
