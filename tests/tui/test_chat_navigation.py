"""What peers (elia, oterm) offer in the chat: moving between messages, copying one or its code, editing and
resending, regenerating the last reply, prompt history and find within the thread."""

from __future__ import annotations

from asst_tui.tui.widgets.chat_find import FindBar

from .helpers import SIZE, assistant_texts, make_app, notifications, ready, run_done, screen_segments, send, wait_for

CODE_REPLY = "```python\nprint('x')\n```"


def roles(app) -> list[str]:
    return [entry.role for entry in app.chat.entries]


def user_texts(app) -> list[str]:
    return [entry.source for entry in app.chat.entries if entry.role == "user"]


async def two_turns(pilot, first: str = "first question", second: str = "second question") -> None:
    await ready(pilot)
    for text in (first, second):
        await send(pilot, text)
        await run_done(pilot)


def styled(app, name: str) -> list[str]:
    """The texts on screen drawn with the background of the chat's component class `name`."""
    background = app.chat.get_component_rich_style(name).bgcolor
    return [segment.text for segment in screen_segments(app) if segment.style and segment.style.bgcolor == background]


async def test_j_k_g_G_select_messages_with_a_visible_highlight(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await two_turns(pilot)
        chat = app.chat
        chat.focus()
        messages = [entry for entry in chat.entries if entry.role in ("user", "assistant")]
        await pilot.press("G")
        assert chat.selected is chat.entries[-1]
        await pilot.press("k")
        assert chat.selected is messages[-2] and chat.selected.source == "second question"
        assert "second question" in "".join(styled(app, "chat--selected-body"))
        assert "You" in "".join(styled(app, "chat--selected-label"))
        await pilot.press("g")
        assert chat.selected is chat.entries[0]
        await pilot.press("j", "j")
        assert chat.selected is chat.entries[2]
        await pilot.press("k", "k", "k")  # stops at the first
        assert chat.selected is chat.entries[0]
        app.prompt.focus()
        await pilot.pause()
        assert not styled(app, "chat--selected-body")  # drawn only while the chat has the focus


async def test_c_copies_the_message_and_y_its_code_blocks_in_turn(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "look:\n\n```python\nprint('one')\n```\n\nand\n\n~~~\ntwo\n~~~")
        await run_done(pilot)
        app.chat.focus()
        await pilot.press("G", "k")
        assert app.chat.selected.role == "user"
        await pilot.press("c")
        assert app.clipboard == user_texts(app)[-1] and "Message copied" in notifications(app)[-1]
        await pilot.press("y")
        assert app.clipboard == "print('one')" and "Code block 1 of 2 copied" in notifications(app)[-1]
        await pilot.press("y")
        assert app.clipboard == "two"
        await pilot.press("y")
        assert app.clipboard == "print('one')"


async def test_e_puts_an_earlier_message_in_the_prompt_and_sending_makes_a_new_turn(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await two_turns(pilot)
        app.chat.focus()
        await pilot.press("G", "k", "k")
        assert app.chat.selected.role == "assistant"
        await pilot.press("e")
        assert "Select one of your messages" in notifications(app)[-1]
        await pilot.press("k")
        assert app.chat.selected.source == "first question"
        await pilot.press("e")
        assert app.focused is app.prompt and app.prompt.text == "first question"
        await pilot.press("space", *"again", "enter")
        await run_done(pilot)
        assert user_texts(app) == ["first question", "second question", "first question again"]
        assert "first question again" in assistant_texts(app)[-1]


async def test_r_regenerates_the_last_reply_in_a_new_run_after_deleting_it(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await two_turns(pilot)
        backend = app.connection.backend
        before, _ = await backend.list_messages(app.thread_id)
        runs_before = await backend.list_runs(app.thread_id)
        app.chat.focus()
        await pilot.press("r")
        replaced = before[3]["id"]
        await wait_for(pilot, lambda: replaced not in [e.message_id for e in app.chat.entries], what="the reply removed")
        await wait_for(pilot, lambda: len(assistant_texts(app)) == 2, what="the new reply")
        await run_done(pilot)
        after, _ = await backend.list_messages(app.thread_id)
        assert [m["role"] for m in after] == [m["role"] for m in before] == ["user", "assistant", "user", "assistant"]
        assert [m["id"] for m in after[:3]] == [m["id"] for m in before[:3]] and after[3]["id"] != before[3]["id"]
        assert len(await backend.list_runs(app.thread_id)) == len(runs_before) + 1
        assert [e.message_id for e in app.chat.entries if e.role == "assistant"] == [after[1]["id"], after[3]["id"]]


async def test_up_in_an_empty_prompt_recalls_earlier_prompts_and_down_goes_forward(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await two_turns(pilot, "one", "two\nlines")
        prompt = app.prompt
        prompt.focus()
        assert prompt.text == ""
        await pilot.press("up")
        assert prompt.text == "two\nlines"
        await pilot.press("up")  # the cursor is on the last line: it moves up a line first
        assert prompt.text == "two\nlines" and prompt.cursor_location[0] == 0
        await pilot.press("up")
        assert prompt.text == "one"
        await pilot.press("up")
        assert prompt.text == "one"  # the oldest
        await pilot.press("down")
        assert prompt.text == "two\nlines"
        await pilot.press("down")
        assert prompt.text == ""
        await pilot.press("up", "x")  # an edit ends browsing: ↑ moves the cursor again
        assert prompt.text == "two\nlinesx"
        await pilot.press("up")
        assert prompt.text == "two\nlinesx"


async def test_find_highlights_matches_steps_through_them_and_esc_closes(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await two_turns(pilot, "a Needle here", "no match in this one")
        chat = app.chat
        chat.focus()
        await pilot.press("slash")
        bar = app.query_one(FindBar)
        assert bar.display and app.focused is bar.field
        await pilot.press(*"needle")
        count = bar.query_one("#find-count")
        assert str(count.render()) == "1 of 2"  # the message and the reply's quote of it
        assert styled(app, "chat--match-current") == ["Needle"] and styled(app, "chat--match") == ["Needle"]
        await pilot.press("enter")
        assert str(count.render()) == "2 of 2"
        await pilot.press("enter")
        assert str(count.render()) == "1 of 2"
        await pilot.press("shift+enter")
        assert str(count.render()) == "2 of 2"
        await pilot.press("escape")
        assert not bar.display and app.focused is chat
        assert not styled(app, "chat--match-current") and not styled(app, "chat--match")
        await pilot.press("n")
        assert "Nothing to find yet" in notifications(app)[-1]
        await pilot.press("slash")
        await pilot.press("backspace", *"zzz")
        assert str(count.render()) == "no match"


async def test_every_match_of_a_long_reply_is_brought_into_view(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/lorem 3000")
        await run_done(pilot)
        app.chat.focus()
        await pilot.press("slash", *"cupidatat")
        bar = app.query_one(FindBar)
        count = bar.query_one("#find-count")
        total = int(str(count.render()).split(" of ")[1])
        assert total > 10
        for _ in range(total // 4):  # forwards and, wrapping, backwards: the current match is always on screen
            await pilot.press("enter", "enter", "enter")
            assert styled(app, "chat--match-current") == ["cupidatat"] or styled(app, "chat--match-current") == ["Cupidatat"]
        await pilot.press("shift+enter")
        assert styled(app, "chat--match-current") in (["cupidatat"], ["Cupidatat"])
