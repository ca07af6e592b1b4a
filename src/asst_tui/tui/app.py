"""The asst-tui application: main screen, key bindings, and the actions behind them."""

from __future__ import annotations

import time
from functools import partial
from argparse import Namespace
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from .. import paths
from ..config import Config, ConfigError, ConfigProblem, set_theme
from ..registry import Registry
from ..session.choose import choose_assistant, first_thread, new_thread, remember_assistant
from ..session.connection import connect, effective_profile
from .file_actions import FILE_BINDINGS, FileActions
from .gc_policy import GcPolicy
from .manage_actions import MANAGE_BINDINGS, ManageActions
from .text import visible
from .welcome import WELCOME
from .widgets.chat import ChatView
from .widgets.chat_message import FileLink
from .widgets.prompt import PromptArea
from .widgets.run_panel import RunPanel
from .widgets.sidebar import Sidebar
from .widgets.status_line import StatusLine

if TYPE_CHECKING:
    from ..client.errors import BackendError
    from ..session.connection import Connect, Connection
    from .run_flow import RunFlow

PAGE_SIZE = 40

BINDINGS = [
    Binding("f1", "help", "Help"),
    Binding("ctrl+n", "new_thread", "New thread"),
    Binding("ctrl+t", "switch_thread", "Threads"),
    Binding("alt+down", "next_thread", "Next thread", show=False),
    Binding("alt+up", "previous_thread", "Previous thread", show=False),
    Binding("ctrl+o", "open_thread_by_id", "Open thread by ID", show=False),
    Binding("f4", "switch_assistant", "Switch assistant", show=False),
    *MANAGE_BINDINGS,  # assistants, run overrides, run inspector
    *FILE_BINDINGS,  # attach files, the files view
    Binding("ctrl+b", "toggle_panel", "Run panel"),
    Binding("ctrl+s", "save_transcript", "Save"),
    Binding("escape", "cancel_run", "Cancel run"),
    Binding("f6", "answer_function_call", "Answer function call", priority=True),  # over TextArea's F6 (select line)
    Binding("f2", "rename_thread", "Rename thread", show=False),
    Binding("f3", "toggle_archive", "Archive/unarchive thread", show=False),
    Binding("f8", "delete_thread", "Delete thread", show=False),
    Binding("f5", "run_history", "Earlier runs of the thread", show=False),
    Binding("f9", "copy_reply", "Copy last reply", show=False),
    # Control keys, not Alt+digit: most terminals send Alt+2 as ESC 2, which Textual reads as "™" (macOS Option+2)
    Binding("ctrl+l", "focus('thread-list')", "Focus threads", show=False),
    Binding("ctrl+g", "focus('chat')", "Focus chat", show=False),
    Binding("ctrl+f", "focus('prompt')", "Focus prompt", show=False),
    Binding("ctrl+r", "focus_panel", "Focus run panel", show=False),
    Binding("slash", "focus_filter", "Filter threads", show=False),
    Binding("ctrl+q", "quit", "Quit"),
]

WAITING_HINT = "F6 answers, Esc cancels"  # short: the header has little room left

HELP_ROWS = [  # keys handled by widgets rather than app bindings
    Binding("enter", "", "Send the message"),
    Binding("ctrl+j", "", "New line in the message"),
    Binding("ctrl+p", "", "Command palette"),
]


class AsstApp(FileActions, ManageActions, App[None]):
    """Chat with an Assistants v2 backend from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "asst-tui"
    BINDINGS = BINDINGS
    ENABLE_COMMAND_PALETTE = True
    AUTO_FOCUS = "#prompt"  # the default focuses the first focusable widget, the thread filter, before on_mount runs

    def __init__(
        self,
        config: Config,
        config_problems: Iterable[ConfigProblem] = (),
        options: Namespace | None = None,
        *,
        connect: Connect = connect,
    ) -> None:
        """`connect` gives the backend for the profile (default: start the embedded server when it needs one)."""
        super().__init__()
        self.config = config
        self._connect = connect
        self.startup_problems = [str(problem) for problem in config_problems]
        self.options = options or Namespace(profile=None, base_url=None, assistant=None, thread=None, theme=None)
        self.registry = Registry()
        self.connection: Connection | None = None
        self.profile = None
        self.assistant: dict[str, Any] | None = None
        self.thread_id: str | None = None
        self.flow: RunFlow | None = None
        self.ready = False  # connected, assistant chosen, first thread open
        self.offline = False  # startup could not connect; messages stay in the prompt
        self._queued: list[str] = []
        self._panel_hidden_by_user = False
        self.collector = GcPolicy(self, busy=lambda: self.flow is not None)

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="center"):
                yield ChatView(id="chat")
                yield PromptArea(id="prompt")
            yield RunPanel(id="run-panel")
        yield Footer()

    @property
    def chat(self) -> ChatView:
        return self.query_one("#chat", ChatView)

    @property
    def run_panel(self) -> RunPanel:
        return self.query_one("#run-panel", RunPanel)

    @property
    def prompt(self) -> PromptArea:
        return self.query_one("#prompt", PromptArea)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one("#sidebar", Sidebar)

    @property
    def status_line(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    @property
    def identity(self) -> str:
        return self.profile.identity if self.profile else ""

    def on_mount(self) -> None:
        self._apply_theme()
        for problem in self.startup_problems:
            self.notify(visible(problem), title="Configuration problem", severity="error", timeout=15, markup=False)
        self.call_after_refresh(self.start)

    def _apply_theme(self) -> None:
        from .themes import register_themes

        for problem in register_themes(self):
            self.notify(visible(problem), title="Theme skipped", severity="warning", timeout=15, markup=False)
        wanted = self.options.theme or self.config.theme
        if wanted in self.available_themes:
            self.theme = wanted
            if self.options.theme and self.options.theme != self.config.theme:
                try:
                    set_theme(wanted)
                except ConfigError as error:
                    self.notify(visible(str(error)), title="Theme not saved", severity="warning", markup=False)
        else:
            self.notify(
                visible(f"No theme named {wanted!r}; using asst-dark. Ctrl+P → 'theme' lists them."),
                title="Unknown theme", severity="warning", markup=False,
            )
            self.theme = "asst-dark" if "asst-dark" in self.available_themes else "textual-dark"
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Any) -> None:
        if theme.name != self.config.theme:
            self.config.theme = theme.name
            try:
                set_theme(theme.name)
            except ConfigError as error:
                self.notify(visible(str(error)), title="Theme not saved", severity="warning", markup=False)

    # --- startup ------------------------------------------------------------------------------

    @work(group="startup", exclusive=True)
    async def start(self) -> None:
        """Connect (starting the embedded server if needed), pick the assistant and open a thread.

        Started after the first frame: it imports openai and starts the server in threads, which held
        the GIL while the first frame was laid out (~450 ms later, both in sys.modules by then). Once
        ready, the GC policy takes over full collections (see gc_policy).
        """
        from ..client.errors import BackendError

        try:
            self.profile = effective_profile(self.config.profile(self.options.profile), self.options.base_url)
        except ConfigError as error:
            self.notify(visible(f"{error}; using 'local'."), title="Unknown profile", severity="error", markup=False)
            self.profile = self.config.profile("local")
        self.status_line.profile = self.profile.name
        self.registry.load()
        if self.registry.problem:
            self.notify(visible(self.registry.problem), title="Registry", severity="warning", markup=False)
        self.refresh_sidebar()
        try:
            self.connection = await self._connect(self.profile)
            backend = self.connection.backend
            self.status_line.engine = self.connection.engine_label
            if self.connection.notice:
                self.notify(visible(self.connection.notice), title="Engine", severity="warning", timeout=20, markup=False)
            assistant, created = await choose_assistant(
                backend, self.registry, self.profile, self.options.assistant
            )
        except BackendError as error:
            self.offline = True
            self.set_run_status("offline")
            await self.show_problem(error.message, error.hint)
            return
        except Exception as error:  # noqa: BLE001 - the embedded server failing to start must not crash the TUI
            self.offline = True
            self.set_run_status("offline")
            await self.show_problem(f"Could not start the embedded server: {error}", "Check the data dir and try again.")
            return
        self.use_assistant(assistant)
        if assistant is None:
            await self.show_problem(
                "This backend has no assistant yet.", "Start with --assistant ID, or set default_assistant in the profile."
            )
        thread_id = first_thread(self.registry, self.identity, self.options.thread)
        if thread_id is None:
            thread_id = await self._create_thread()
        if thread_id:
            await self.open_thread(thread_id, welcome=created or not self.options.thread)
        self.ready = True
        self.collector.start()
        if self.flow is None:
            self.set_run_status("idle")
        await self._send_queued()

    async def _create_thread(self) -> str | None:
        from ..client.errors import BackendError

        try:
            return await new_thread(
                self.connection.backend, self.registry, self.identity, self.assistant and self.assistant["id"]
            )
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return None

    def use_assistant(self, assistant: dict[str, Any] | None) -> None:
        self.assistant = assistant
        name = (assistant or {}).get("name") or (assistant or {}).get("id", "")
        model = (assistant or {}).get("model", "")
        self.status_line.assistant = name
        self.status_line.model = model
        self.sidebar.show_assistant(name, model)

    # --- threads ------------------------------------------------------------------------------

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
        backend = self.connection.backend
        try:
            messages, has_older = await backend.list_messages(thread_id, limit=PAGE_SIZE)
        except BackendError as error:
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
        entry = self.registry.get_thread(self.identity, thread_id)
        if entry and entry.stale:
            self.registry.mark_stale(self.identity, thread_id, stale=False)
            self.refresh_sidebar()
        await self.chat.show_messages(messages, has_older)
        if welcome and not messages:
            await self.chat.add_note(WELCOME)
        self.run_worker(partial(self._pick_up_run, thread_id), group="run", exclusive=True)

    async def _pick_up_run(self, thread_id: str) -> None:
        from ..client.errors import BackendError

        try:
            run = await self.connection.backend.active_run(thread_id)
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        if run is not None:
            await self._new_flow(thread_id).session.watch(run)

    async def reload_messages(self) -> None:
        """Catch up with the open thread's newest messages (a run we had no stream for has ended)."""
        if self.thread_id:
            messages, _ = await self.connection.backend.list_messages(self.thread_id, limit=PAGE_SIZE)
            await self.chat.sync(messages)

    @on(ChatView.OlderWanted)
    async def _load_older(self, event: ChatView.OlderWanted) -> None:
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

    @on(Sidebar.ThreadChosen)
    async def _thread_chosen(self, event: Sidebar.ThreadChosen) -> None:
        await self.switch_to(event.thread_id)
        self.prompt.focus()

    async def switch_to(self, thread_id: str) -> None:
        if self.connection is None:
            self.notify("Still connecting…")
            return
        if thread_id != self.thread_id:
            await self.open_thread(thread_id)

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
        thread_id = await self._create_thread()
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
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
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

    # --- assistants ---------------------------------------------------------------------------

    @work(group="dialog")
    async def action_switch_assistant(self) -> None:
        from ..client.errors import BackendError
        from .screens.picker import PickerScreen, assistant_option

        if not self._connected():
            return
        try:
            assistants = await self.connection.backend.list_assistants()
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        chosen = await self.push_screen_wait(
            PickerScreen("Switch assistant", [assistant_option(a) for a in assistants], self.assistant and self.assistant["id"])
        )
        assistant = next((a for a in assistants if a["id"] == chosen), None)
        if assistant:
            remember_assistant(self.registry, self.identity, assistant)
            self.use_assistant(assistant)

    # --- sending and runs ---------------------------------------------------------------------

    @on(PromptArea.Submitted)
    async def _submitted(self, event: PromptArea.Submitted) -> None:
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

    async def _send_queued(self) -> None:
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
        flow = self._new_flow(thread_id)
        self.flow = flow
        self.set_run_status("queued")
        sent = await self.chat.add_message("user", visible(text), created_at=time.time())
        attached = self.take_attachments()
        try:
            message = await flow.session.add_message(text, [a.param() for a in attached] or None)
            self.chat.set_message_id(sent, message["id"])
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
                await self._pick_up_run(thread_id)  # show that run, and let Esc cancel it
        finally:
            if self.flow is flow and flow.run_id is None:
                self.run_finished(flow)

    def _new_flow(self, thread_id: str) -> RunFlow:
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
        return True

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

    # --- panel, files, transcripts ------------------------------------------------------------

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

    def action_focus_filter(self) -> None:
        self.query_one("#thread-filter").focus()

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

    @on(FileLink.SaveRequested)
    def _save_link(self, event: FileLink.SaveRequested) -> None:
        self.save_file(event.file_id)

    @on(RunPanel.SaveFile)
    def _save_panel_file(self, event: RunPanel.SaveFile) -> None:
        self.save_file(event.file_id)

    @work(group="files")
    async def save_file(self, file_id: str) -> None:
        from ..client.errors import BackendError
        from .downloads import save_download

        if not self._connected():
            return
        backend = self.connection.backend
        try:
            info = await backend.file_info(file_id)
            data = await backend.file_content(file_id)
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        path = save_download(paths.downloads_dir(), info.get("filename") or file_id, data)
        self.notify(visible(f"Saved {path}"), title="File saved", markup=False)

    @work(group="files")
    async def action_save_transcript(self) -> None:
        from ..client.errors import BackendError
        from ..client.transcripts import fetch_dump, save_transcript

        if not self._connected() or not self.thread_id:
            return
        entry = self.registry.get_thread(self.identity, self.thread_id)
        title = (entry and entry.title) or self.thread_id
        directory = self.config.transcripts_dir or paths.transcripts_dir()
        try:
            dump = await fetch_dump(self.connection.backend, self.thread_id)
            saved = [save_transcript(dump, directory, fmt, title) for fmt in ("md", "json")]
        except BackendError as error:
            await self.show_problem(error.message, error.hint)
            return
        except OSError as error:
            await self.show_problem(f"Could not write the transcript: {error}", "Check the transcripts_dir setting.")
            return
        self.notify(visible("\n".join(str(path) for path in saved)), title="Transcript saved", markup=False)

    def action_copy_reply(self) -> None:
        reply = self.chat.last_reply()
        if reply is None:
            self.notify("No reply to copy yet.")
            return
        self.copy_to_clipboard(reply)
        self.notify("Last reply copied to the clipboard (OSC 52).")

    # --- help and command palette -------------------------------------------------------------

    def key_rows(self) -> list[tuple[str, str]]:
        return [(self.get_key_display(binding), binding.description) for binding in BINDINGS + HELP_ROWS]

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.key_rows()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in BINDINGS:
            if binding.action in ("help", "quit") or self.check_action(binding.action, ()) is False:
                continue
            key = self.get_key_display(binding)
            yield SystemCommand(binding.description, f"Key: {key}", _runner(self, binding.action))

    # --- problems -----------------------------------------------------------------------------

    async def show_problem(self, what: str, todo: str, severity: str = "error") -> None:
        """Tell the user what happened and what to do, in the chat pane (data shown literally)."""
        await self.chat.add_note(f"**{_escape_md(visible(what))}**\n\n{_escape_md(visible(todo))}", severity=severity)

    def _connected(self) -> bool:
        if self.connection is None:
            self.notify("Still connecting to the backend…", severity="warning")
            return False
        return True

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input_seen()
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self.collector.stop()
        if self.connection is not None:
            await self.connection.close()


def _runner(app: AsstApp, action: str):
    async def run() -> None:
        await app.run_action(action)

    return run


def _thread_id_problem(value: str) -> str | None:
    value = value.strip()
    if not value:
        return "Type a thread ID."
    if any(ch.isspace() for ch in value):
        return "A thread ID has no spaces."
    return None


def _escape_md(text: str) -> str:
    """Make Markdown syntax in an error text literal."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|~" else ch for ch in text)
