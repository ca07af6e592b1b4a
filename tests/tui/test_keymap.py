"""The key table (tui/keymap.py): every default key arrives from xterm, tmux and the Linux console as the
bytes they send, every action is reachable in each, and [keys] in config.toml overrides it."""

from __future__ import annotations

import runpy
import string
from pathlib import Path

import pytest

from asst_tui.config import load_config
from asst_tui.tui import keymap
from asst_tui.tui.keymap import ACTIONS, FIXED_KEYS, Keymap, normal_key
from asst_tui.tui.textual_compat import key_events

from .helpers import SIZE, make_app, notifications, ready, wait_for, write_config

ROOT = Path(__file__).resolve().parents[2]
_CTRL = {f"ctrl+{c}": chr(ord(c) - 96) for c in string.ascii_lowercase}
# What each terminal writes for a key, with its default settings (xterm: TERM=xterm-256color; tmux 3.x:
# TERM=tmux-256color, which sends xterm-style modified F-keys; the Linux console: TERM=linux).
XTERM = {
    **_CTRL, "escape": "\x1b", "slash": "/", "alt+up": "\x1b[1;3A", "alt+down": "\x1b[1;3B",
    "f1": "\x1bOP", "f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS", "f5": "\x1b[15~", "f6": "\x1b[17~",
    "f7": "\x1b[18~", "f8": "\x1b[19~", "f9": "\x1b[20~", "f10": "\x1b[21~", "f11": "\x1b[23~", "f12": "\x1b[24~",
    "shift+f1": "\x1b[1;2P", "shift+f2": "\x1b[1;2Q", "shift+f3": "\x1b[1;2R", "shift+f4": "\x1b[1;2S",
    "shift+f5": "\x1b[15;2~",
}
TMUX = dict(XTERM)  # Ctrl+B is tmux's prefix: pressed twice, the app gets one \x02 (the README says so)
LINUX = {
    **_CTRL, "escape": "\x1b", "slash": "/",
    "f1": "\x1b[[A", "f2": "\x1b[[B", "f3": "\x1b[[C", "f4": "\x1b[[D", "f5": "\x1b[[E", "f6": "\x1b[17~",
    "f7": "\x1b[18~", "f8": "\x1b[19~", "f9": "\x1b[20~", "f10": "\x1b[21~", "f11": "\x1b[23~", "f12": "\x1b[24~",
    "shift+f1": "\x1b[25~", "shift+f2": "\x1b[26~", "shift+f3": "\x1b[28~", "shift+f4": "\x1b[29~",
    # Alt+arrows: the console's keymap sends no sequence of its own for them
}
TERMINALS = {"xterm": XTERM, "tmux": TMUX, "linux console": LINUX}


def arrives_as(data: str) -> set[str]:
    """The key names (with aliases) Textual's input parser makes of `data`; empty when it is no key press."""
    events = key_events(data)
    if len(events) != 1 or not hasattr(events[0], "aliases"):
        return set()
    return set(events[0].aliases)


def reaches(terminal: dict[str, str], key: str) -> bool:
    return key in terminal and key in arrives_as(terminal[key])


def test_the_table_is_sound() -> None:
    names = [action.name for action in ACTIONS]
    assert len(names) == len(set(names))
    keys = [key for action in ACTIONS for key in action.keys]
    assert len(keys) == len(set(keys)), "two actions on one default key"
    assert all(normal_key(key) == key for key in keys)
    assert not FIXED_KEYS & set(keys)


@pytest.mark.parametrize("terminal", TERMINALS)
def test_every_default_key_arrives_as_itself_or_is_not_the_only_way(terminal: str) -> None:
    sends = TERMINALS[terminal]
    for action in ACTIONS:
        for key in action.keys:
            if terminal != "linux console":
                assert reaches(sends, key), f"{key} ({action.name}) does not arrive from {terminal}"
        working = [key for key in action.keys if reaches(sends, key)]
        # without a key that works there, the command palette (Ctrl+P, which every terminal sends) is the way in
        assert working or action.name not in ("help", "quit"), action.name
        if not working:
            assert terminal == "linux console" and all(k.startswith(("shift+f", "alt+")) for k in action.keys)


def test_no_action_has_only_a_shift_f_key_or_shift_f3() -> None:
    """Shift+F3 arrives as a cursor position report in xterm and tmux; the old f14-f16 never arrive at all."""
    assert arrives_as(XTERM["shift+f3"]) == set()
    assert "f14" not in arrives_as(XTERM["shift+f2"])
    for action in ACTIONS:
        assert "shift+f3" not in action.keys and not {"f13", "f14", "f15", "f16"} & set(action.keys)


async def test_palette_lists_every_action_the_linux_console_has_no_key_for(home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        commands = {command.title: command.help for command in app.get_system_commands(app.screen)}
        for action in ACTIONS:
            if not any(reaches(LINUX, key) for key in action.keys):
                assert commands.get(action.description) == f"Key: {app.keys.display(action.name)}", action.name


async def test_shift_f_keys_and_f11_open_their_dialogs_from_the_bytes_xterm_sends(home) -> None:
    from asst_tui.tui.screens.assistants import AssistantsScreen
    from asst_tui.tui.screens.attach import AttachScreen
    from asst_tui.tui.screens.files_view import FilesScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key, screen in (("shift+f2", AttachScreen), ("f11", FilesScreen), ("shift+f4", AssistantsScreen)):
            for event in key_events(XTERM[key]):
                app.post_message(event)
            await wait_for(pilot, lambda: isinstance(app.screen, screen), what=key)
            await pilot.pause(0.2)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, screen), what=f"{key} closed")


def _keys_config(home, table: str) -> None:
    write_config(home, f'[profiles.local]\nkind = "local"\ndemo_delay_ms = 0\n\n[keys]\n{table}')


def test_keys_settings_override_and_problems_keep_the_defaults(home) -> None:
    _keys_config(home, 'new_thread = "Ctrl+E"\n'
                       'files_view = ["f11", "ctrl+k"]\n'
                       'no_such_thing = "f10"\n'
                       'rename_thread = "hyper+banana"\n'
                       'help = "ctrl+t"\n'
                       'quit = "enter"\n'
                       'copy_reply = "ctrl+y"\n'
                       'toggle_archive = "ctrl+y"\n'
                       'delete_thread = 8\n')
    config, problems = load_config()
    keys = Keymap(config.keys)
    assert keys.keys["new_thread"] == ("ctrl+e",) and keys.keys["files_view"] == ("f11", "ctrl+k")
    for name in ("rename_thread", "help", "quit", "copy_reply", "toggle_archive", "delete_thread"):
        assert keys.keys[name] == keymap.BY_NAME[name].keys, name
    said = [str(problem) for problem in [*problems, *keys.problems]]
    assert any(p.startswith("config.toml:14: keys.delete_thread: expected a key or an array of keys") for p in said)
    assert any(p.startswith("config.toml:8: keys.no_such_thing: no such action") for p in said)
    assert any(p.startswith("config.toml:9: keys.rename_thread: 'hyper+banana' is not a key name") for p in said)
    assert any(p.startswith("config.toml:10: keys.help: Ctrl+T is also the key of switch_thread") for p in said)
    assert any(p.startswith("config.toml:11: keys.quit: 'enter' is kept for the widgets") for p in said)
    assert any(p.startswith("config.toml:12: keys.copy_reply: Ctrl+Y is also the key of toggle_archive") for p in said)
    assert any(p.startswith("config.toml:13: keys.toggle_archive: Ctrl+Y is also the key of copy_reply") for p in said)
    assert keys.overrides() == {"asst.new_thread": "ctrl+e", "asst.files_view": "f11,ctrl+k"}


async def test_the_app_uses_shows_and_reports_the_keys_settings(home) -> None:
    from asst_tui.tui.screens.files_view import FilesScreen

    _keys_config(home, 'files_view = "ctrl+k"\nrun_history = "f11"\nhelp = "ctrl+t"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert any("keys.help: Ctrl+T is also the key of switch_thread" in n for n in notifications(app))
        commands = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert commands["Files and vector stores of the thread and assistant"] == "Key: Ctrl+K"
        assert commands["Earlier runs of the thread"] == "Key: F11"
        assert ("Files", "files_view", "Ctrl+K", "Files and vector stores of the thread and assistant") in [
            row[:4] for row in app.keys.rows()]
        app.chat.focus()
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, FilesScreen), what="files view on ctrl+k")


def test_the_readme_key_table_is_the_one_keymap_makes() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "key_table.py"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert script["current"](readme) == script["table"](), "run python scripts/key_table.py"
