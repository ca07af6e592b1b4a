"""Every key of the main screen in one table: the app's bindings, F1, the palette and the README are made from it.

The defaults reach every action in xterm, tmux and the Linux console: a Shift+F key (which the Linux
console sends in a form Textual can't read, and Shift+F3 not at all in xterm or tmux) is never the
only way in; each such action is in the command palette too. `[keys]` in config.toml overrides the
defaults; what can't be used is reported as a ConfigProblem and the default kept.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

from ..config import ConfigProblem, KeySetting


@dataclass(frozen=True)
class KeyAction:
    """One action a key starts: its [keys] name, default keys, what it does, its F1 group and where it works."""

    name: str
    keys: tuple[str, ...]
    description: str
    group: str
    where: str = "main screen"
    action: str = ""  # the Textual action, when it isn't `name`
    footer: str = ""  # shown in the footer with this short label
    priority: bool = False  # before the focused widget's own binding for the key (the prompt's F6, F7)
    dialog: bool = False  # opens a dialog: the keys typed right after it wait for it (key_hold.py)

    @property
    def textual_action(self) -> str:
        return self.action or self.name

    @property
    def binding_id(self) -> str:
        return f"asst.{self.name}"


PROMPT = "in the prompt too"
ACTIONS: tuple[KeyAction, ...] = (  # the footer shows those with a `footer` label in this order, as room allows
    KeyAction("cancel_run", ("escape",), "Cancel the run", "Runs", "while a run is going", footer="Cancel run"),
    KeyAction("answer_function_call", ("f6",), "Answer function call", "Runs",
              "while a run waits for function outputs", footer="Answer function call", priority=True, dialog=True),
    KeyAction("help", ("f1",), "Help: every key", "App", footer="Help", dialog=True),
    KeyAction("quit", ("ctrl+q",), "Quit", "App", footer="Quit"),
    KeyAction("new_thread", ("ctrl+n",), "New thread", "Threads", footer="New thread"),
    KeyAction("switch_thread", ("ctrl+t",), "Thread switcher", "Threads", footer="Threads", dialog=True),
    KeyAction("next_thread", ("alt+down",), "Next thread", "Threads"),
    KeyAction("previous_thread", ("alt+up",), "Previous thread", "Threads"),
    KeyAction("open_thread_by_id", ("ctrl+o",), "Open thread by ID", "Threads", dialog=True),
    KeyAction("rename_thread", ("f2",), "Rename thread", "Threads", dialog=True),
    KeyAction("toggle_archive", ("f3",), "Archive/unarchive thread", "Threads"),
    KeyAction("delete_thread", ("f8",), "Delete thread", "Threads", dialog=True),
    KeyAction("focus_filter", ("slash",), "Filter threads", "Threads", "outside the prompt and the chat (there / types, finds)",
              priority=True),  # before the focused widget takes the keys typed right after it
    KeyAction("run_overrides", ("f7",), "Overrides for the next run", "Runs", PROMPT, priority=True, dialog=True),
    KeyAction("run_history", ("f5",), "Earlier runs of the thread", "Runs", dialog=True),
    KeyAction("run_inspector", ("f12",), "Run inspector (runs and their steps)", "Runs", dialog=True),
    KeyAction("switch_assistant", ("f4",), "Switch assistant", "Assistants", dialog=True),
    KeyAction("assistants", ("shift+f4",), "Assistants: use, new, edit, duplicate, delete", "Assistants", dialog=True),
    KeyAction("attach_files", ("shift+f2",), "Attach files to the next message", "Files", dialog=True),
    KeyAction("files_view", ("f11",), "Files and vector stores of the thread and assistant", "Files", dialog=True),
    KeyAction("save_transcript", ("ctrl+s",), "Save the transcript (Markdown and JSON)", "Files", footer="Save"),
    KeyAction("copy_reply", ("f9",), "Copy last reply", "Files"),
    KeyAction("toggle_sidebar", ("f10",), "Show or hide the threads sidebar", "View"),
    KeyAction("toggle_panel", ("ctrl+b",), "Show or hide the run panel", "View", footer="Run panel"),
    KeyAction("focus_threads", ("ctrl+l",), "Focus threads", "View"),
    KeyAction("focus_chat", ("ctrl+g",), "Focus chat", "View", action="focus('chat')"),
    KeyAction("focus_prompt", ("ctrl+f",), "Focus prompt", "View", action="focus('prompt')"),
    KeyAction("focus_panel", ("ctrl+r",), "Focus run panel", "View"),
)
GROUPS = ("Threads", "Runs", "Assistants", "Files", "View", "App")
BY_NAME = {action.name: action for action in ACTIONS}
DIALOG_ACTIONS = frozenset(action.textual_action for action in ACTIONS if action.dialog)

# Keys the widgets handle themselves: not configurable, and never given to an action.
FIXED: tuple[tuple[str, str, str], ...] = (
    ("enter", "Send the message", "in the prompt"),
    ("ctrl+j", "New line in the message", "in the prompt"),
    ("ctrl+p", "Command palette", "anywhere"),
    ("tab", "Next field or pane", "anywhere"),
    ("shift+tab", "Previous field or pane", "anywhere"),
    ("ctrl+c", "Copy the selected text", "anywhere"),
)
FIXED_KEYS = frozenset(key for key, _, _ in FIXED)

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_BASE_KEYS = frozenset(
    {key.value for key in Keys if "+" not in key.value}
    | set(string.ascii_lowercase + string.digits)
    | {KEY_NAME_REPLACEMENTS.get(n, n) for n in (unicodedata.name(c).lower().replace("-", "_").replace(" ", "_")
                                                  for c in string.punctuation)}
)


def normal_key(key: str) -> str | None:
    """`key` as Textual names it ("Ctrl+N" → "ctrl+n", "/" → "slash"), or None when it isn't a key."""
    key = key.strip()
    if len(key) == 1 and key in string.punctuation:
        name = unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        return KEY_NAME_REPLACEMENTS.get(name, name)
    *modifiers, base = key.lower().split("+")
    if base not in _BASE_KEYS or any(m not in MODIFIERS for m in modifiers) or len(set(modifiers)) != len(modifiers):
        return None
    return "+".join(sorted(modifiers, key=MODIFIERS.index) + [base])


class Keymap:
    """The effective keys of each action: the defaults with the valid [keys] settings over them."""

    def __init__(self, settings: Mapping[str, KeySetting] | None = None) -> None:
        self.keys: dict[str, tuple[str, ...]] = {action.name: action.keys for action in ACTIONS}
        self.problems: list[ConfigProblem] = []
        self._apply(settings or {})

    def _apply(self, settings: Mapping[str, KeySetting]) -> None:
        wanted: dict[str, tuple[str, ...]] = {}
        for name, setting in settings.items():
            if name not in BY_NAME:
                self._problem(setting, f"keys.{name}: no such action (known: {', '.join(sorted(BY_NAME))}); ignored")
                continue
            keys = [(raw, normal_key(raw)) for raw in setting.keys]
            bad = [raw for raw, key in keys if key is None]
            fixed = [raw for raw, key in keys if key in FIXED_KEYS]
            if not keys:
                self._problem(setting, f"keys.{name}: no key given; the default is kept")
            elif bad:
                self._problem(setting, f"keys.{name}: {', '.join(map(repr, bad))} is not a key name "
                              "(like \"ctrl+e\", \"f10\", \"shift+f2\", \"slash\"); the default is kept")
            elif fixed:
                self._problem(setting, f"keys.{name}: {', '.join(map(repr, fixed))} is kept for the widgets "
                              "(send, new line, palette, focus, copy); the default is kept")
            else:
                wanted[name] = tuple(dict.fromkeys(key for _, key in keys if key))
        self.keys.update(wanted)
        while clash := self._first_clash():
            key, names = clash
            reverted = [name for name in names if name in wanted and self.keys[name] != BY_NAME[name].keys]
            if not reverted:  # two defaults on one key: a test keeps the table free of that
                break
            for name in reverted:
                self.keys[name] = BY_NAME[name].keys
                others = ", ".join(other for other in names if other != name)
                self._problem(settings[name], f"keys.{name}: {label(key)} is also the key of {others}; "
                              "the default is kept")

    def _first_clash(self) -> tuple[str, list[str]] | None:
        owners: dict[str, list[str]] = {}
        for name, keys in self.keys.items():
            for key in keys:
                owners.setdefault(key, []).append(name)
        return next(((key, names) for key, names in owners.items() if len(names) > 1), None)

    def _problem(self, setting: KeySetting, message: str) -> None:
        self.problems.append(ConfigProblem(setting.path, setting.line, message))

    def overrides(self) -> dict[str, str]:
        """The keys that differ from the defaults, as Textual's App.set_keymap takes them."""
        return {BY_NAME[name].binding_id: ",".join(keys) for name, keys in self.keys.items() if keys != BY_NAME[name].keys}

    def display(self, name: str) -> str:
        return " / ".join(label(key) for key in self.keys[name])

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(group, name, keys, description, where) per action, grouped as GROUPS says."""
        ordered = sorted(ACTIONS, key=lambda a: GROUPS.index(a.group))
        return [(a.group, a.name, self.display(a.name), a.description, a.where) for a in ordered]

    def action_for_key(self, key: str) -> str | None:
        return next((name for name, keys in self.keys.items() if key in keys), None)


def bindings(actions: Sequence[KeyAction] = ACTIONS) -> list[Binding]:
    """The app's BINDINGS for the default keys; each has the id Keymap.overrides() uses."""
    return [
        Binding(",".join(a.keys), a.textual_action, a.footer or a.description, show=bool(a.footer), priority=a.priority,
                tooltip=a.description, id=a.binding_id)
        for a in actions
    ]


_NAMES = {"escape": "Esc", "slash": "/", "up": "↑", "down": "↓", "left": "←", "right": "→", "enter": "Enter",
          "tab": "Tab", "delete": "Delete", "backspace": "Backspace", "space": "Space", "pageup": "PgUp",
          "pagedown": "PgDn", "home": "Home", "end": "End"}


def label(key: str) -> str:
    """A key as people write it: "ctrl+n" → "Ctrl+N", "shift+f2" → "Shift+F2", "slash" → "/", "G" → "Shift+G"."""
    *modifiers, base = key.split("+")
    if len(base) == 1 and base.isupper():  # Textual names a shifted letter by the letter itself
        modifiers.append("shift")
    shown = _NAMES.get(base) or (base.upper() if len(base) == 1 or base[0] == "f" and base[1:].isdigit() else base)
    return "+".join([m.capitalize() for m in modifiers] + [shown])
