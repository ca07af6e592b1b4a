"""The app's actions for sending a message and following its run: the run flow's host, cancel, answer,
the run panel and earlier runs (a mixin of AsstApp)."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

from textual import work

from .file_names import remember_name
from .text import visible

if TYPE_CHECKING:
    from ..client.errors import BackendError
    from .run_flow import RunFlow
    from .widgets.chat_entry import Entry
    from .widgets.prompt import PromptArea

WAITING_HINT = "F6 answers, Esc cancels"  # short: the header has little room left


class RunActions:
    """Needs the AsstApp attributes: connection, registry, identity, assistant, thread_id, ready, offline,
    the widgets, show_problem, _connected, the attachments (FileActions) and overrides (ManageActions).

    `flow` is the run flow of the run going on (None when none is); the app is its RunHost.
    """

    async def on_prompt_area_submitted(self, event: PromptArea.Submitted) -> None:
        if self.flow is not None:
            if self.flow.waiting is not None:
                what = "The run waits for function outputs"
                todo = "Press F6 to answer the function call, or Esc to cancel the run."
            else:
                what, todo = "A run is still going", "Wait for it, or press Esc to cancel it."
            self.notify(f"{what}, so nothing was sent; your message stays in the prompt. {todo}",
                        title="Not sent", severity="warning", markup=False)
            return
        if self.offline:
            self.notify(
                "Not connected, so nothing was sent; your message stays in the prompt. "
                "Fix the profile or start the server, then restart asst-tui.",
                severity="error", markup=False,
            )
            return
        self.prompt.clear()
        if not self.ready:
            self._queued.append(event.text)
            await self.chat.add_message("user", visible(event.text), created_at=time.time())
            await self.chat.add_note("Connecting… the message is sent as soon as the backend is ready.")
            return
        self.run_worker(partial(self._send, event.text), group="run", exclusive=True)

    async def send_queued(self) -> None:
        queued, self._queued = self._queued, []
        if queued:
            self.run_worker(partial(self._send, "\n\n".join(queued)), group="run", exclusive=True)

    async def _send(self, text: str) -> None:
        from ..client.errors import BackendError

        if self.assistant is None:
            self.prompt.restore_draft(text)
            await self.show_problem("There is no assistant to send to.", "Switch assistant with F4.")
            return
        thread_id = self.thread_id
        flow = self.new_flow(thread_id)
        self.flow = flow
        self.set_run_status("queued")
        sent = await self.chat.add_message("user", visible(text), created_at=time.time())
        attached = self.take_attachments()
        try:
            for attachment in attached:
                remember_name(attachment.file_id, attachment.name)
            message = await flow.session.add_message(text, [a.param() for a in attached] or None)
            self.chat.set_message_id(sent, message["id"])
            if attached:
                await self.chat.finish_message(message)  # its attachments, under its text
            self._record_activity(thread_id, text)
            overrides = self.next_run_params()
            await flow.session.start(self.assistant["id"], **overrides)
            self.run_overrides_used(overrides)
        except BackendError as error:
            self.run_finished(flow)
            if sent.message_id is None:
                await self.chat.remove_message(sent)
                self.prompt.restore_draft(text)
                self.set_attachments(attached + self.pending_attachments)
            await self._backend_failed(error, thread_id)
            if error.kind == "locked":
                await self.pick_up_run(thread_id)  # show that run, and let Esc cancel it
        finally:
            if self.flow is flow and flow.run_id is None:
                self.run_finished(flow)

    def action_regenerate(self) -> None:
        """A new reply to the last message: the replies to it are deleted, then a new run starts on the thread."""
        if self.flow is not None:
            self.notify("A run is still going: wait for it, or press Esc to cancel it, then regenerate.", markup=False)
            return
        replies = self.chat.replies_to_last_message() if self.ready and self.assistant else None
        if replies is None:
            self.notify("Nothing to regenerate here: send a message first.")
            return
        self.run_worker(partial(self._regenerate, replies), group="run", exclusive=True)

    async def _regenerate(self, replies: list[Entry]) -> None:
        from ..client.errors import BackendError

        thread_id = self.thread_id
        flow = self.new_flow(thread_id)
        self.flow = flow
        self.set_run_status("queued")
        try:
            for entry in replies:
                if entry.message_id:
                    await self.connection.backend.delete_message(thread_id, entry.message_id)
                await self.chat.remove_message(entry)
            overrides = self.next_run_params()
            await flow.session.start(self.assistant["id"], **overrides)
            self.run_overrides_used(overrides)
        except BackendError as error:
            self.run_finished(flow)
            await self._backend_failed(error, thread_id)
        finally:
            if self.flow is flow and flow.run_id is None:
                self.run_finished(flow)

    def new_flow(self, thread_id: str) -> RunFlow:
        """A run flow for the thread, shown in this app's chat pane and run panel."""
        from .run_flow import RunFlow

        return RunFlow(self, self.connection.backend, thread_id, self.chat, self.run_panel)

    def _record_activity(self, thread_id: str, text: str) -> None:
        self.registry.set_title_if_empty(self.identity, thread_id, text)
        self.registry.touch_thread(self.identity, thread_id)
        self.refresh_sidebar()

    async def _backend_failed(self, error: BackendError, thread_id: str | None) -> None:
        if error.kind == "not_found" and thread_id:
            self.registry.mark_stale(self.identity, thread_id)
            self.refresh_sidebar()
        self.set_run_status("offline" if error.kind == "connection" else "idle")
        if error.kind == "locked":
            await self.show_problem(
                f"Not sent: another run is still going on this thread ({error.message})",
                "Your message is back in the prompt. Wait for that run to finish, or press Esc to cancel it; "
                "then press Enter again.",
            )
        else:
            await self.show_problem(error.message, error.hint)

    def active_run_started(self, flow: RunFlow) -> None:
        self.flow = flow
        self.refresh_bindings()

    def run_waiting(self, flow: RunFlow) -> None:
        """The function-call prompt was closed: the run waits until F6 answers it or Esc cancels it."""
        if self.flow is flow:
            self.set_run_status("requires_action", WAITING_HINT)
            self.refresh_bindings()
            self.notify("The run waits for function outputs: press F6 to answer them, or Esc to cancel the run.",
                        title="Run waiting", markup=False)

    def run_finished(self, flow: RunFlow) -> None:
        if self.flow is flow:
            self.flow = None
            if self.thread_id:
                self.registry.touch_thread(self.identity, self.thread_id)
        self.refresh_bindings()

    def set_run_status(self, status: str, hint: str = "") -> None:
        self.status_line.status = status
        self.status_line.hint = hint

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return self.flow is not None
        if action == "answer_function_call":
            return self.flow is not None and self.flow.waiting is not None
        return super().check_action(action, parameters)  # ViewActions and App

    def action_answer_function_call(self) -> None:
        flow = self.flow
        if flow is not None and flow.waiting is not None:
            self.run_worker(flow.session.resume, group="run", exclusive=True)

    async def action_cancel_run(self) -> None:
        await self.cancel_active_run()

    async def cancel_active_run(self) -> None:
        from ..client.errors import BackendError

        flow = self.flow
        if flow is None or self.connection is None:
            return
        if flow.run_id is None:
            self.notify("The run has not started yet; try Esc again in a moment.")
            return
        if flow.waiting is not None:  # no stream follows it: cancel and poll it to its end
            self.run_worker(flow.session.cancel_waiting, group="run", exclusive=True)
            return
        try:
            await flow.session.request_cancel()
        except BackendError as error:
            await self.show_problem(error.message, error.hint)

    def reveal_panel(self) -> None:
        if not self._panel_hidden_by_user:
            self.run_panel.display = True

    def action_toggle_panel(self) -> None:
        panel = self.run_panel
        panel.display = not panel.display
        self._panel_hidden_by_user = not panel.display

    def action_focus_panel(self) -> None:
        self.run_panel.display = True
        self.run_panel.focus()

    @work(group="dialog")
    async def action_run_history(self) -> None:
        from ..client.errors import BackendError
        from .screens.picker import PickerScreen, run_option

        if not self._connected() or not self.thread_id:
            return
        backend = self.connection.backend
        try:
            runs = await backend.list_runs(self.thread_id)
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        if not runs:
            self.notify("This thread has no runs yet.")
            return
        run_id = await self.push_screen_wait(PickerScreen("Earlier runs, newest first", [run_option(r) for r in runs]))
        run = next((r for r in runs if r["id"] == run_id), None)
        if run is None:
            return
        try:
            steps = await backend.list_run_steps(self.thread_id, run["id"])
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        self.run_panel.display = True
        self.run_panel.show_history(run, steps)
