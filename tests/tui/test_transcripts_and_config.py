"""Transcripts from the TUI and `asst-tui export`; broken config and theme files; the saved theme."""

from __future__ import annotations

import json
import subprocess
import sys

from asst_tui.config import load_config
from asst_tui.tui.textual_compat import notifications as shown_notifications

from .helpers import SIZE, make_app, ready, run_done, send, wait_for, write_config


def notifications(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in shown_notifications(app)]


async def test_save_transcript_writes_markdown_and_json(home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "```python\nprint('logged line')\n```")
        await run_done(pilot)
        thread_id = app.thread_id
        await pilot.press("ctrl+s")
        directory = home / "transcripts"
        await wait_for(pilot, lambda: len(list(directory.glob("*"))) == 2, what="two transcript files")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(list(directory.glob("*"))) == 4, what="no overwrite")
    markdowns = sorted(directory.glob("*.md"))
    assert len(markdowns) == 2 and markdowns[0].name != markdowns[1].name  # never overwritten
    text = markdowns[0].read_text()
    assert "print('logged line')" in text and "```" in text
    assert "logged line" in text.split("print('logged line')", 1)[1]
    [dump, *_] = sorted(directory.glob("*.json"))
    data = json.loads(dump.read_text())
    assert data["thread"]["id"] == thread_id
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["runs"] and data["runs"][0]["status"] == "completed"


async def test_export_command_starts_the_embedded_server(home):
    app = make_app(fresh_server=True)  # the command starts the server on the same data dir the app used
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "export me")
        await run_done(pilot)
        thread_id = app.thread_id
    out = home / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "asst_tui.cli", "export", thread_id, "--format", "json", "-o", str(out)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["messages"][0]["content"][0]["text"]["value"] == "export me"
    missing = subprocess.run(
        [sys.executable, "-m", "asst_tui.cli", "export", "thread_missing"], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1
    assert "404" in missing.stderr and "Traceback" not in missing.stderr


async def test_broken_config_starts_on_defaults_and_says_where(home):
    write_config(home, 'theme = "asst-dark"\n[profiles.local]\nkind = "local"\ndemo_delay_ms = = 0\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        [problem] = [n for n in notifications(app) if n.startswith("Configuration problem")]
        assert "config.toml:4" in problem and "default settings" in problem
        assert app.profile.name == "local"


async def test_wrong_kind_in_config_is_reported(home):
    write_config(home, '[profiles.work]\nkind = "martian"\nbase_url = "http://x"\n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        [problem] = [n for n in notifications(app) if n.startswith("Configuration problem")]
        assert "martian" in problem and "config.toml:2" in problem


async def test_bad_theme_file_is_reported_and_skipped(home):
    themes = home / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text("name = [nope\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert any("broken.toml" in n for n in notifications(app))
        assert app.theme == "asst-dark"


async def test_theme_option_is_saved(home):
    app = make_app(theme="asst-light")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "asst-light"
    config, problems = load_config()
    assert config.theme == "asst-light" and not problems


async def test_the_app_starts_in_its_theme_with_one_css_parse(home):
    """The configured theme is the stylesheet's before its first parse: setting it in on_mount parsed it all again."""
    app = make_app()
    reparses = []
    original = app.stylesheet.reparse
    app.stylesheet.reparse = lambda: (reparses.append(app.theme), original())[1]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "asst-dark" and app.has_class("-theme-asst-dark", "-dark-mode")
        assert reparses == []
        app.theme = "textual-dark"  # a change once running still restyles the app
        await pilot.pause()
        assert reparses == ["textual-dark"]
