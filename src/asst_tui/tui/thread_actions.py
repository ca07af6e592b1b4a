"""The app's actions on threads: open one (and pick up its run), page in older messages, switch, create,
open by ID, rename, archive and delete (a mixin of AsstApp)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual import work

from ..protocol import ACTIVE_RUN_STATUSES

from .text import visible
from .welcome import WELCOME

if TYPE_CHECKING:
    from .widgets.chat import ChatView
    from .widgets.sidebar import Sidebar

PAGE_SIZE = 40  # messages fetched when a thread opens, and each time older ones are wanted
RUNS_MARKED = 100  # the newest runs whose end is marked on their replies when a thread opens


class ThreadActions:
    """Needs the AsstApp attributes: connection, registry, identity, thread_id, flow, the widgets,
    show_problem, set_run_status, new_flow, create_thread and _connected."""

    def refresh_sidebar(self) -> None:
        entries = self.registry.threads(self.identity, include_archived=True)
        entries.sort(key=lambda entry: entry.archived)  # archived ones last, each group most recent first
        self.sidebar.show_threads(entries, self.thread_id)

    async def open_thread(self, thread_id: str, *, welcome: bool = False) -> None:
        """Show a thread: its newest page of messages, and pick up a run that is still going."""
        from ..client.errors import BackendError

        self.workers.cancel_group(self, "run")
        self.flow = None
        self.thread_id = thread_id
        self.refresh_sidebar()
        self.set_run_status("idle")
        self.run_panel.clear()
        await self.chat.show_loading()
        backend = self.connection.backend
        try:
            messages, has_older = await backend.list_messages(thread_id, limit=PAGE_SIZE)
        except BackendError as error:
            if thread_id != self.thread_id:
                return  # another thread was opened meanwhile
            await self.chat.show_messages([], False)
            if error.kind == "not_found":
                self.registry.mark_stale(self.identity, thread_id)
                self.refresh_sidebar()
                await self.show_problem(
                    "The server no longer has this thread; it is kept in the list, dimmed.",
                    "Delete it (F8) or start a new thread (Ctrl+N).",
                )
            else:
                await self.show_problem(error.message, error.hint)
            return
        if thread_id != self.thread_id:
            return  # another thread was opened meanwhile
        entry = self.registry.get_thread(self.identity, thread_id)
        if entry and entry.stale:
            self.registry.mark_stale(self.identity, thread_id, stale=False)
            self.refresh_sidebar()
        await self.chat.show_messages(messages, has_older)
        if entry and not entry.title and messages:
            self.run_worker(partial(self._title_thread, thread_id, messages, has_older), group="title")
        if welcome and not messages:
            await self.chat.add_note(WELCOME)
        self.run_worker(partial(self.pick_up_run, thread_id), group="run", exclusive=True)

    async def _title_thread(self, thread_id: str, messages: list, has_older: bool) -> None:
        """A thread adopted by its ID has no title yet: its first user message gives it one."""
        from ..client.errors import BackendError
        from ..session.choose import title_from_first_message

        try:
            titled = await title_from_first_message(
                self.connection.backend, self.registry, self.identity, thread_id, messages, has_older
            )
        except BackendError:
            return  # it stays "New thread"; the user can rename it (F2)
        if titled:
            self.refresh_sidebar()

    async def pick_up_run(self, thread_id: str) -> None:
        from ..client.errors import BackendError

        try:
            runs = await self.connection.backend.list_runs(thread_id, limit=RUNS_MARKED)
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        if thread_id == self.thread_id:
            self.chat.mark_runs(runs)  # replies of cancelled (or incomplete, failed) runs say so
        run = runs[0] if runs and runs[0].get("status") in ACTIVE_RUN_STATUSES else None
        if run is not None:
            await self.new_flow(thread_id).session.watch(run)

    async def reload_messages(self) -> None:
        """Catch up with the open thread's newest messages (a run we had no stream for has ended)."""
        if self.thread_id:
            messages, _ = await self.connection.backend.list_messages(self.thread_id, limit=PAGE_SIZE)
            await self.chat.sync(messages)

    async def on_chat_view_older_wanted(self, event: ChatView.OlderWanted) -> None:
        from ..client.errors import BackendError

        try:
            messages, has_older = await self.connection.backend.list_messages(
                self.thread_id, limit=PAGE_SIZE, before=event.before
            )
        except BackendError as error:
            await self.chat.show_older([], self.chat.has_older)
            self.notify(visible(f"{error.message} — {error.hint}"), severity="error", markup=False)
            return
        await self.chat.show_older(messages, has_older)

    async def on_sidebar_thread_chosen(self, event: Sidebar.ThreadChosen) -> None:
        await self.switch_to(event.thread_id)
        self.prompt.focus()
        self.sidebar_used()

    async def switch_to(self, thread_id: str) -> None:
        if self.connection is None:
            self.notify("Still connecting…")
            return
        if thread_id != self.thread_id:
            await self.chat.show_loading()  # in this key's frame; the page follows from a worker
            self.run_worker(partial(self.open_thread, thread_id), group="open", exclusive=True)

    def _neighbour_thread(self, step: int) -> str | None:
        ids = [entry.id for entry in self.registry.threads(self.identity)]
        if not ids:
            return None
        if self.thread_id not in ids:
            return ids[0]
        return ids[(ids.index(self.thread_id) + step) % len(ids)]

    async def action_next_thread(self) -> None:
        if thread_id := self._neighbour_thread(1):
            await self.switch_to(thread_id)

    async def action_previous_thread(self) -> None:
        if thread_id := self._neighbour_thread(-1):
            await self.switch_to(thread_id)

    @work(group="dialog")
    async def action_switch_thread(self) -> None:
        from .screens.thread_switcher import ThreadSwitcher

        entries = self.registry.threads(self.identity, include_archived=True)
        chosen = await self.push_screen_wait(ThreadSwitcher(entries))
        if chosen:
            await self.switch_to(chosen)

    async def action_new_thread(self) -> None:
        if not self._connected():
            return
        thread_id = await self.create_thread()
        if thread_id:
            await self.open_thread(thread_id)
            self.prompt.focus()

    @work(group="dialog")
    async def action_open_thread_by_id(self) -> None:
        from ..client.errors import BackendError
        from .screens.dialogs import TextInputScreen

        if not self._connected():
            return
        thread_id = await self.push_screen_wait(
            TextInputScreen("Open thread by ID", placeholder="thread_…", validate=_thread_id_problem)
        )
        if not thread_id:
            return
        thread_id = thread_id.strip()
        try:
            await self.connection.backend.retrieve_thread(thread_id)
        except BackendError as error:  # a toast: the open thread's chat is no place for another thread's 404
            self.notify(visible(f"{error.message}\n{error.hint}"), title=visible(f"Thread {thread_id} not opened"),
                        severity="error", timeout=12, markup=False)
            return
        self.registry.adopt_thread(self.identity, thread_id)
        await self.open_thread(thread_id)

    @work(group="dialog")
    async def action_rename_thread(self) -> None:
        from .screens.dialogs import TextInputScreen

        entry = self.registry.get_thread(self.identity, self.thread_id or "")
        if entry is None:
            return
        title = await self.push_screen_wait(
            TextInputScreen("Rename thread", initial=entry.title, validate=lambda v: None if v.strip() else "Type a title.")
        )
        if title:
            self.registry.rename_thread(self.identity, entry.id, title.strip())
            self.refresh_sidebar()

    def action_toggle_archive(self) -> None:
        entry = self.registry.get_thread(self.identity, self.thread_id or "")
        if entry is None:
            return
        if entry.archived:
            self.registry.unarchive(self.identity, entry.id)
            self.notify("Thread unarchived.")
        else:
            self.registry.archive(self.identity, entry.id)
            self.notify("Thread archived; it stays at the end of the list (F3 unarchives).")
        self.refresh_sidebar()

    @work(group="dialog")
    async def action_delete_thread(self) -> None:
        from ..client.errors import BackendError
        from .screens.dialogs import ConfirmScreen

        entry = self.registry.get_thread(self.identity, self.thread_id or "")
        if entry is None or not self._connected():
            return
        name = entry.title or entry.id
        if not await self.push_screen_wait(ConfirmScreen(f"Delete “{name}” here and on the server?", "Delete")):
            return
        try:
            await self.connection.backend.delete_thread(entry.id)
        except BackendError as error:
            if error.kind != "not_found":
                await self.show_problem(error.message, error.hint)
                return
        self.registry.remove_thread(self.identity, entry.id)
        self.notify("Thread deleted.")
        following = self._neighbour_thread(0)
        self.thread_id = None
        if following:
            await self.open_thread(following)
        else:
            await self.action_new_thread()


def _thread_id_problem(value: str) -> str | None:
    value = value.strip()
    if not value:
        return "Type a thread ID."
    if any(ch.isspace() for ch in value):
        return "A thread ID has no spaces."
    return None
