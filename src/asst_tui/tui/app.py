"""The asst-tui application: the main screen, its key bindings, startup, help and how problems are shown.

The actions behind the keys live in mixins by job: thread_actions, run_actions, file_actions and
manage_actions.
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import WorkerCancelled, WorkerFailed

from ..config import Config, ConfigError, ConfigProblem, set_theme
from ..registry import Registry
from . import keymap
from .file_actions import FileActions
from .gc_policy import GcPolicy, end_startup_hold
from .key_hold import KeyHold
from .manage_actions import ManageActions
from .run_actions import RunActions
from .text import visible
from .thread_actions import ThreadActions
from .view_actions import ViewActions
from .widgets.chat import ChatView
from .widgets.chat_find import FindBar
from .widgets.prompt import PromptArea
from .widgets.sidebar import Sidebar
from .widgets.status_line import StatusLine

if TYPE_CHECKING:
    from textual.widget import AwaitMount

    from ..session.connection import Connect, Connection
    from .run_flow import RunFlow
    from .widgets.run_panel import RunPanel

BINDINGS = keymap.bindings()  # every key of the main screen: keymap.py; [keys] in config.toml overrides them


class AsstApp(ThreadActions, RunActions, FileActions, ManageActions, ViewActions, KeyHold, App[None]):
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
        connect: Connect | None = None,
    ) -> None:
        """`connect` gives the backend for the profile (default: start the embedded server when it needs one)."""
        super().__init__()
        self.config = config
        self._connect = connect
        self.keys = keymap.Keymap(config.keys)
        self.set_keymap(self.keys.overrides())
        self.startup_problems = [str(problem) for problem in [*config_problems, *self.keys.problems]]
        self.options = options or Namespace(profile=None, base_url=None, assistant=None, thread=None, theme=None)
        self.registry = Registry()
        self.connection: Connection | None = None
        self.profile = None
        self.assistant: dict[str, Any] | None = None
        self.thread_id: str | None = None
        self.flow: RunFlow | None = None
        self.ready = False  # connected, assistant chosen, first thread open
        self.offline = False  # startup could not connect; messages stay in the prompt
        self._queued: list[str] = []  # messages sent before the backend was ready (RunActions)
        self._panel_hidden_by_user = False  # Ctrl+B hid the run panel: a code call doesn't reveal it
        self.collector = GcPolicy(self, busy=lambda: self.flow is not None)
        self._theme_problems: list[tuple[str, str, float | None]] = []  # (text, title, timeout): toasts once mounted
        self._wanted_theme = self._choose_theme()

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="center"):
                chat = ChatView(id="chat")
                yield chat
                yield FindBar(chat, id="find")
                yield PromptArea(id="prompt")
        yield Footer()  # the run panel, hidden at the start, joins #main after the first frame (run_panel)

    @property
    def chat(self) -> ChatView:
        return self.query_one("#chat", ChatView)

    @property
    def run_panel(self) -> RunPanel:
        """The side panel of the run; start() mounts it after the first frame, or a key that shows it sooner."""
        main = self.screen_stack[0]
        if not main.query("#run-panel"):
            self._mount_run_panel()
        return main.query_one("#run-panel")

    def _mount_run_panel(self) -> AwaitMount:
        from .widgets.run_panel import RunPanel

        return self.screen_stack[0].query_one("#main").mount(RunPanel(id="run-panel"))

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
        self.fit_sidebar()
        self._apply_theme()
        self._report_config_problems()
        self.call_after_refresh(self.start)

    def _report_config_problems(self) -> None:
        """One toast however many problems there are (five toasts overflowed an 80x24 screen); F1 lists them all."""
        problems = self.startup_problems
        if len(problems) == 1:
            self.notify(visible(problems[0]), title="Configuration problem", severity="error", timeout=15, markup=False)
        elif problems:
            self.notify(visible(f"Configuration problems: {len(problems)}; F1 lists them all. The first: {problems[0]}"),
                        title="Configuration problems", severity="error", timeout=15, markup=False)

    def _choose_theme(self) -> str:
        """Register the themes and choose one; the app starts in it when that needs no second CSS parse.

        Setting App.theme once running (in on_mount) made Textual parse every stylesheet again with the
        new theme's colours and restyle every widget, before the first frame. Before the first parse the
        theme's variables are simply the stylesheet's. A theme of the other darkness than the default
        is still set in on_mount: Textual's watcher also swaps the ANSI colour filter then.
        """
        from .themes import register_themes

        self._theme_problems = [(problem, "Theme skipped", 15) for problem in register_themes(self)]
        wanted = self.options.theme or self.config.theme
        if wanted not in self.available_themes:
            unknown = f"No theme named {wanted!r}; using asst-dark. Ctrl+P → 'theme' lists them."
            self._theme_problems.append((unknown, "Unknown theme", None))
            wanted = "asst-dark" if "asst-dark" in self.available_themes else "textual-dark"
        theme = self.get_theme(wanted)
        if theme is not None and theme.dark == self.current_theme.dark:
            self.set_reactive(App.theme, wanted)
            self.stylesheet.set_variables(self.get_css_variables())
            self.add_class(f"-theme-{wanted}", update=False)  # as Textual's watcher names the theme
        return wanted

    def _apply_theme(self) -> None:
        for problem, title, timeout in self._theme_problems:
            self.notify(visible(problem), title=title, severity="warning", timeout=timeout, markup=False)
        if self.theme != self._wanted_theme:
            self.theme = self._wanted_theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._theme_changed(self.current_theme)  # --theme (or the fallback for an unknown name) is saved

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
        from ..session.choose import choose_assistant, first_thread
        from ..session.connection import connect, effective_profile

        end_startup_hold()  # full collections, held by the launcher until the first frame (gc_policy)
        if not self.screen_stack[0].query("#run-panel"):
            await self._mount_run_panel()
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
            self.connection = await (self._connect or connect)(self.profile)
            backend = self.connection.backend
            self.status_line.engine = self.connection.engine_label
            self.status_line.sandbox = self.connection.sandbox_label.partition(" ")[0]  # "isolated" or "process"
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
            thread_id = await self.create_thread()
        if thread_id:
            await self.open_thread(thread_id, welcome=created or not self.options.thread)
        self.ready = True
        self.collector.start()
        if self.flow is None:
            self.set_run_status("idle")
        await self.send_queued()

    async def create_thread(self) -> str | None:
        """A new thread on the server, recorded in the registry; None after saying why it failed."""
        from ..client.errors import BackendError
        from ..session.choose import new_thread

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

    def action_copy_reply(self) -> None:
        reply = self.chat.last_reply()
        if reply is None:
            self.notify("No reply to copy yet.")
            return
        self.copy_text(reply, "Last reply")

    def copy_text(self, text: str, what: str) -> None:
        """Put text on the clipboard (OSC 52: through tmux and ssh too) and say what was copied."""
        self.copy_to_clipboard(text)
        self.notify(f"{what} copied to the clipboard (OSC 52).")

    def on_message_cursor_copy_requested(self, event: ChatView.CopyRequested) -> None:
        self.copy_text(event.text, event.what)

    def on_message_cursor_edit_requested(self, event: ChatView.EditRequested) -> None:
        """An earlier message of the user's, back in the prompt: sending it makes a new turn."""
        self.prompt.text = event.text
        self.prompt.move_cursor(self.prompt.document.end)
        self.prompt.focus()

    # --- help and command palette -------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.keys, self.startup_problems))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in keymap.ACTIONS:
            if action.name in ("help", "quit") or self.check_action(action.textual_action, ()) is False:
                continue
            key = self.keys.display(action.name)
            yield SystemCommand(action.description, f"Key: {key}", _runner(self, action.textual_action))

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
        if self.held(event):
            return
        await super().on_event(event)

    async def run_action(self, action: str | Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Run an action; after one that opens a dialog, the keys that follow wait for it (key_hold.py)."""
        if action in keymap.DIALOG_ACTIONS and self.screen is self.screen_stack[0]:
            self.hold_keys()
        return await super().run_action(action, default_namespace, namespaces)

    async def on_unmount(self) -> None:
        """Stop the app's workers and wait for them, then close the backend.

        A run's stream is read in a worker: closing the HTTP client under it left httpcore's body
        generator to Python's exit, which printed "aclose(): asynchronous generator is already running".
        """
        self.collector.stop()
        for worker in self.workers.cancel_node(self):
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):  # ended, which is all that is wanted here
                pass
        if self.connection is not None:
            await self.connection.close()


def _runner(app: AsstApp, action: str):
    async def run() -> None:
        await app.run_action(action)

    return run


def _escape_md(text: str) -> str:
    """Make Markdown syntax in an error text literal."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|~" else ch for ch in text)
