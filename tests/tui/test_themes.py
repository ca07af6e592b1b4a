"""Built-in and user theme files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from textual.app import App

from asst_tui.tui.themes import COLOR_KEYS, builtin_themes_dir, load_themes, register_themes

REPO = Path(__file__).resolve().parents[2]
GOOD = """\
name = "{name}"
dark = false
primary = "#112233"
background = "#FFFFFF"
[variables]
footer-key-foreground = "#112233"
"""


def test_builtin_themes_load_and_are_valid(tmp_path: Path) -> None:
    themes, problems = load_themes(tmp_path / "none")
    assert problems == []
    by_name = {theme.name: theme for theme in themes}
    assert {"asst-dark", "asst-light", "ember", "paper"} <= set(by_name)
    assert sum(theme.dark for theme in themes) >= 2
    assert sum(not theme.dark for theme in themes) >= 2
    for theme in themes:
        for key in COLOR_KEYS:
            if key != "boost":
                assert getattr(theme, key), f"{theme.name} has no {key}"
        theme.to_color_system().generate()
    assert builtin_themes_dir() == REPO / "themes"


def test_only_the_users_themes_build_their_colour_system_at_load(tmp_path: Path, monkeypatch) -> None:
    """Built-in ones are checked by the test above, not at every start (~0.5 ms each)."""
    from textual.design import ColorSystem

    built: list[str] = []
    original = ColorSystem.generate
    monkeypatch.setattr(ColorSystem, "generate", lambda self: (built.append(self.primary.hex), original(self))[1])
    (tmp_path / "good.toml").write_text(GOOD.format(name="mine"), encoding="utf-8")
    load_themes(tmp_path)
    assert built == ["#112233"]


def test_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(GOOD.format(name="mine"), encoding="utf-8")
    (tmp_path / "broken.toml").write_text('name = "x"\nprimary = ', encoding="utf-8")
    (tmp_path / "noname.toml").write_text('primary = "#000000"\n', encoding="utf-8")
    (tmp_path / "badcolor.toml").write_text('name = "bc"\nprimary = "#zzzzzz"\n', encoding="utf-8")
    (tmp_path / "typo.toml").write_text('name = "t"\nprimay = "#000000"\n', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a theme", encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    names = [theme.name for theme in themes]
    assert "mine" in names and "asst-dark" in names
    assert not {"x", "bc", "t"} & set(names)
    prefix = f"{tmp_path.name}/"
    assert len(problems) == 4
    by_file = {problem.split(":", 1)[0]: problem for problem in problems}
    assert "invalid TOML" in by_file[prefix + "broken.toml"]
    assert 'missing "name"' in by_file[prefix + "noname.toml"]
    assert "'#zzzzzz' is not a color" in by_file[prefix + "badcolor.toml"]
    assert "unknown key 'primay'" in by_file[prefix + "typo.toml"]
    assert all(problem.endswith("the theme was skipped") for problem in problems)


def test_user_theme_overrides_builtin(tmp_path: Path) -> None:
    (tmp_path / "paper.toml").write_text(GOOD.format(name="paper"), encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert problems == []
    papers = [theme for theme in themes if theme.name == "paper"]
    assert len(papers) == 1 and papers[0].primary == "#112233"


def test_default_user_dir_comes_from_paths(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASST_TUI_HOME", str(tmp_path))
    themes_dir = tmp_path / "config" / "themes"
    themes_dir.mkdir(parents=True)
    (themes_dir / "mine.toml").write_text(GOOD.format(name="mine"), encoding="utf-8")
    themes, _ = load_themes(None)
    assert "mine" in [theme.name for theme in themes]


async def test_register_themes(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("name = ", encoding="utf-8")
    app = App[None]()
    problems = register_themes(app, tmp_path)
    assert len(problems) == 1
    async with app.run_test() as pilot:
        app.theme = "ember"
        await pilot.pause()
        assert app.current_theme.name == "ember"


def test_wheel_ships_the_themes(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("asst_tui-*.whl")
    expected = {f"asst_tui/themes/{path.name}" for path in (REPO / "themes").glob("*.toml")}
    with zipfile.ZipFile(wheel) as archive:
        assert expected <= set(archive.namelist())
        archive.extractall(tmp_path / "site")
    # The installed layout finds its themes inside the package, not in a source tree.
    probe = subprocess.run(
        [sys.executable, "-c", "from asst_tui.tui import themes; print(themes.builtin_themes_dir())"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": ""},
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == tmp_path / "site" / "asst_tui" / "themes"
