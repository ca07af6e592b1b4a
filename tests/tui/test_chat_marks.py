"""The chat pane's marks on messages: a cancelled reply, live and after the thread is opened again."""

from __future__ import annotations

from .helpers import SIZE, assistant_texts, make_app, ready, run_done, screen_text, send, wait_for, write_config


def chat_text(app) -> str:
    """What the chat pane shows (its region of the screen)."""
    region = app.chat.region
    rows = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(row[region.x : region.right] for row in rows)


def role_lines(app) -> list[str]:
    return [line for line in screen_text(app).splitlines() if "Assistant" in line and "▌" not in line]


async def test_a_cancelled_reply_is_marked_live_and_after_reopening(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 30\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 5000")
        await wait_for(pilot, lambda: assistant_texts(app) and len(assistant_texts(app)[-1]) > 20, what="streaming")
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        await app.chat.show_end()
        await pilot.pause(0.1)
        [reply] = [entry for entry in app.chat.entries if entry.role == "assistant"]
        assert reply.marker == "cancelled"
        assert any("⊘ cancelled" in line for line in role_lines(app)), screen_text(app)
        await send(pilot, "after the cancel")  # the next reply is not marked
        await run_done(pilot)
        await app.chat.show_end()
        await pilot.pause(0.1)
        assert "cancelled" not in role_lines(app)[-1]
        thread_id = app.thread_id
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.thread_id != thread_id, what="another thread")
        await app.open_thread(thread_id)
        await wait_for(pilot, lambda: any("cancelled" in entry.marker for entry in app.chat.entries), what="the mark")
        marked = [entry for entry in app.chat.entries if entry.marker]
        assert len(marked) == 1 and marked[0].role == "assistant"
        assert marked[0] is [entry for entry in app.chat.entries if entry.role == "assistant"][0]


async def test_a_thread_switch_clears_the_old_chat_at_once_and_says_it_is_loading(home):
    import asyncio

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "words of the first thread")
        await run_done(pilot)
        first = app.thread_id
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.thread_id != first, what="a second thread")
        await send(pilot, "words of the second thread")
        await run_done(pilot)
        backend = app.connection.backend
        served = backend.list_messages
        gate = asyncio.Event()

        async def slow_list_messages(*args, **kwargs):  # a slow network: the page arrives when the test lets it
            await gate.wait()
            return await served(*args, **kwargs)

        backend.list_messages = slow_list_messages
        app.chat.focus()
        try:
            await pilot.press("alt+down")
            await pilot.pause()
            text = chat_text(app)
            assert "words of the second thread" not in text and "Loading the thread" in text, text
        finally:
            gate.set()
        await wait_for(pilot, lambda: "words of the first thread" in chat_text(app), what="the other thread")
        assert "Loading the thread" not in chat_text(app)
        assert app.thread_id == first
