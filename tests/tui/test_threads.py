"""Threads: keyboard switching, the registry across restarts, stale threads, rename, archive, delete."""

from __future__ import annotations

from asst_tui.registry import Registry
from asst_tui.tui.screens.dialogs import ConfirmScreen, TextInputScreen
from asst_tui.tui.screens.thread_switcher import ThreadSwitcher
from asst_tui.tui.widgets.sidebar import ThreadList

from .helpers import SIZE, assistant_texts, make_app, ready, run_done, send, wait_for


def user_texts(app) -> list[str]:
    return [entry.source for entry in app.chat.entries if entry.role == "user"]


def sidebar_rows(app) -> list[str]:
    options = app.query_one(ThreadList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_switching_threads_by_keyboard(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "first thread")
        await run_done(pilot)
        first = app.thread_id
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.thread_id != first, what="new thread")
        second = app.thread_id
        await send(pilot, "second thread")
        await run_done(pilot)
        assert user_texts(app) == ["second thread"]

        await pilot.press("alt+down")
        await wait_for(pilot, lambda: app.thread_id == first, what="next thread")
        await wait_for(pilot, lambda: user_texts(app) == ["first thread"], what="first thread shown")
        assert app.run_panel.run_id is None  # the other thread's run is not shown as this one's
        await pilot.press("alt+up")
        await wait_for(pilot, lambda: app.thread_id == second, what="previous thread")

        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadSwitcher), what="switcher")
        await pilot.press(*"first", "enter")
        await wait_for(pilot, lambda: app.thread_id == first, what="switcher choice")
        assert any(row.startswith("▸ first thread") for row in sidebar_rows(app))


async def test_sidebar_filter_as_you_type(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "apples")
        await run_done(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.registry.threads(app.identity)) == 2, what="second thread")
        await send(pilot, "pears")
        await run_done(pilot)
        app.query_one("#thread-filter").focus()
        await pilot.press(*"pea")
        await pilot.pause(0.1)
        rows = sidebar_rows(app)
        assert len(rows) == 1 and "pears" in rows[0]


async def test_registry_survives_a_restart(home):
    app = make_app(fresh_server=True)  # a first run, then a restart that must not make a second demo assistant
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "remember me")
        await run_done(pilot)
        thread_id, assistant_id = app.thread_id, app.assistant["id"]
    registry = Registry()
    registry.load()
    [entry] = registry.threads("local@embedded")
    assert (entry.id, entry.title, entry.assistant_id) == (thread_id, "remember me", assistant_id)

    again = make_app(fresh_server=True)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert again.thread_id == thread_id
        assert again.assistant["id"] == assistant_id  # no second demo assistant
        assert user_texts(again) == ["remember me"]
        assert assistant_texts(again)
        assert len(await again.connection.backend.list_assistants()) == 1


async def test_thread_deleted_on_the_server_is_shown_stale_not_dropped(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "doomed thread")
        await run_done(pilot)
        doomed = app.thread_id
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.thread_id != doomed, what="new thread")
        await app.connection.backend.delete_thread(doomed)  # behind the app's back
        await pilot.press("alt+down")
        await wait_for(pilot, lambda: app.registry.get_thread(app.identity, doomed).stale, what="stale mark")
        entry = app.registry.get_thread(app.identity, doomed)
        assert entry.title == "doomed thread"
        assert any("doomed thread" in row and "gone" in row for row in sidebar_rows(app))
        notes = [entry.source for entry in app.chat.entries if entry.role == "note"]
        assert any("no longer has this thread" in note for note in notes)


async def test_rename_archive_and_delete(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "to be renamed")
        await run_done(pilot)
        thread_id = app.thread_id
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, TextInputScreen), what="rename dialog")
        app.screen.query_one("Input").value = "Renamed"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.registry.get_thread(app.identity, thread_id).title == "Renamed", what="rename")

        await pilot.press("f3")
        assert app.registry.get_thread(app.identity, thread_id).archived
        await pilot.press("f3")
        assert not app.registry.get_thread(app.identity, thread_id).archived

        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.registry.get_thread(app.identity, thread_id) is None, what="deleted")
        await wait_for(pilot, lambda: app.thread_id not in (None, thread_id), what="another thread open")
        from asst_tui.client.errors import BackendError

        try:
            await app.connection.backend.retrieve_thread(thread_id)
        except BackendError as error:
            assert error.kind == "not_found"
        else:
            raise AssertionError("the thread still exists on the server")


async def test_open_thread_by_id_adopts_it(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        other = await app.connection.backend.create_thread()
        await app.connection.backend.add_message(other["id"], "made elsewhere")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, TextInputScreen), what="id dialog")
        app.screen.query_one("Input").value = other["id"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread_id == other["id"], what="adopted thread open")
        assert app.registry.get_thread(app.identity, other["id"]) is not None
        await wait_for(pilot, lambda: user_texts(app) == ["made elsewhere"], what="its messages")


async def test_a_thread_adopted_by_id_is_titled_from_its_first_user_message(home, monkeypatch):
    from asst_tui.tui import thread_actions

    monkeypatch.setattr(thread_actions, "PAGE_SIZE", 2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        backend = app.connection.backend
        other = await backend.create_thread()
        await backend.add_message(other["id"], "Plan the trip to Lyon\n\nwith details")
        for n in range(3):  # more than the first page: the first message is not loaded
            await backend.add_message(other["id"], f"later message {n}")
        app.registry.adopt_thread(app.identity, other["id"])  # as Ctrl+O does, then opened:
        await app.open_thread(other["id"])
        await wait_for(pilot, lambda: app.registry.get_thread(app.identity, other["id"]).title, what="a title")
        assert app.registry.get_thread(app.identity, other["id"]).title == "Plan the trip to Lyon"
        assert any("Plan the trip to Lyon" in row for row in sidebar_rows(app))
