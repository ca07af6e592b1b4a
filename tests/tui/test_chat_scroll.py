"""The chat pane follows the bottom while a reply streams, unless the user scrolls up; older pages load on scroll-up."""

from __future__ import annotations

import re

from asst_tui.tui.thread_actions import PAGE_SIZE

from .helpers import SIZE, assistant_texts, make_app, ready, run_done, screen_text, sdk_client, send, wait_for, write_config



def at_end(chat) -> bool:
    return chat.max_scroll_y > 0 and chat.scroll_y == chat.max_scroll_y


async def streaming(pilot, words: int = 30) -> None:
    app = pilot.app
    await wait_for(
        pilot, lambda: assistant_texts(app) and len(assistant_texts(app)[-1].split()) > words, what="streaming"
    )


async def test_a_short_thread_sits_at_the_bottom_and_a_long_reply_is_followed_to_its_end(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.pause(0.1)
        chat = app.chat
        assert chat.scroll_y == 0  # Textual's anchor() made this negative (textual#6652)
        [welcome] = chat.entries
        rows = [chat.render_line(y).text.strip() for y in range(chat.scrollable_content_region.height)]
        assert not rows[0] and rows[-1] == "" and rows[-2]  # next to the prompt: only its own blank line below
        assert "command palette" in rows[-2] and "command palette" in welcome.source
        await send(pilot, "/lorem 400")
        await run_done(pilot)
        assert at_end(chat)


async def test_scrolled_up_mid_stream_it_stays_put_and_back_down_it_follows_again(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 3\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 5000")
        await streaming(pilot, 150)
        chat = app.chat
        chat.scroll_to(y=chat.max_scroll_y - 10, animate=False)  # the wheel, a key or the scrollbar
        await pilot.pause(0.1)
        position = chat.scroll_y
        assert not at_end(chat)
        await wait_for(pilot, lambda: chat.max_scroll_y > position + 30, what="more text below")
        assert chat.scroll_y == position  # stayed put
        chat.scroll_to(y=chat.max_scroll_y, animate=False)  # back to the end, as text keeps coming
        bottom = chat.max_scroll_y
        await wait_for(pilot, lambda: chat.max_scroll_y > bottom + 10, what="more text")
        await pilot.press("escape")
        await run_done(pilot, "cancelled")
        assert at_end(chat)  # with textual#6677, anchor() stopped following here


async def test_scrolling_to_the_top_loads_older_pages_and_keeps_the_view(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        client = sdk_client(app)
        total = PAGE_SIZE + 15
        thread = await client.beta.threads.create(
            messages=[{"role": "user", "content": f"message {n}"} for n in range(1, 21)]
        )
        for n in range(21, total + 1):
            await client.beta.threads.messages.create(thread.id, role="user", content=f"message {n}")
        await client.close()
        app.registry.adopt_thread(app.identity, thread.id)
        await app.open_thread(thread.id)
        chat = app.chat

        def shown() -> list[str]:
            return [entry.source for entry in chat.entries]

        def rows() -> list[str]:
            return [chat.render_line(y).text.strip(" ▌") for y in range(chat.scrollable_content_region.height)]

        await wait_for(pilot, lambda: shown() and shown()[-1] == f"message {total}", what="the newest page")
        assert chat.has_older and len(shown()) == PAGE_SIZE
        # the top of the page is less than three screens up: the older page is fetched before the user gets there
        await wait_for(pilot, lambda: len(shown()) == total, what="the older page")
        assert shown()[:2] == ["message 1", "message 2"] and not chat.has_older
        await pilot.pause(0.1)
        assert at_end(chat) and rows()[-2] == f"message {total}"  # the view did not move meanwhile
        chat.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: chat.scroll_y == 0, what="the top")
        await pilot.pause(0.1)
        assert "message 1" in rows() and not chat.following


async def test_a_reply_is_followed_through_resizes_mid_stream(home):
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 1\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        chat = app.chat
        for size in ((80, 24), (200, 60)):
            await send(pilot, "/lorem 2500")
            await streaming(pilot, 300)
            await pilot.resize_terminal(*size)
            await pilot.pause(0.2)
            assert chat.following and at_end(chat)
            await run_done(pilot)
            assert app.size == size and at_end(chat)
            reply = assistant_texts(app)[-1]
            last_words = re.findall(r"[a-z]+", reply)[-3:]
            bottom = screen_text(app)
            assert all(word in bottom for word in last_words)  # the end of the reply is on screen
