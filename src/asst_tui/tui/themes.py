"""Theme files: TOML on disk -> textual.theme.Theme, built-in ones and the user's own.

A theme file holds `name`, `dark` (bool, default true), the colors `primary` (required),
`secondary`, `accent`, `foreground`, `background`, `surface`, `panel`, `success`, `warning`,
`error`, `boost`, and an optional `[variables]` table of Textual CSS variables.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from asst_tui import paths

COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
    "boost",
)
_KNOWN_KEYS = {"name", "dark", "variables", *COLOR_KEYS}


class ThemeFileError(ValueError):
    """A theme file that cannot be turned into a Theme; the message says why."""


def builtin_themes_dir() -> Path:
    """The built-in themes: `asst_tui/themes` in an installed wheel, else the repo's `themes/`."""
    package_dir = Path(__file__).resolve().parents[1]
    installed = package_dir / "themes"
    if installed.is_dir():
        return installed
    return package_dir.parents[1] / "themes"


def theme_from_dict(data: dict[str, Any], generate: bool = True) -> Theme:
    """Validate parsed TOML and build the Theme; raises ThemeFileError.

    `generate`: also build its colour system once, as Textual does when the theme is used (a built-in
    theme skips it at every start: tests/tui/test_themes.py builds each one's).
    """
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ThemeFileError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError('missing "name" (a non-empty string)')
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError('"dark" must be true or false')
    if "primary" not in data:
        raise ThemeFileError('missing "primary" color')
    colors: dict[str, str] = {}
    for key in COLOR_KEYS:
        if key in data:
            colors[key] = _color(key, data[key])
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ThemeFileError('"variables" must be a table of strings')
    theme = Theme(name=name, dark=dark, variables=dict(variables), **colors)
    if not generate:
        return theme
    try:
        theme.to_color_system().generate()
    except (ColorParseError, ValueError) as error:
        raise ThemeFileError(str(error)) from None
    return theme


def _color(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(f'"{key}" must be a color string like "#4C9BE8"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(f'"{key}" = {value!r} is not a color (use e.g. "#4C9BE8")') from None
    return value


def load_theme_file(path: Path, generate: bool = True) -> Theme:
    """Read one theme file; raises ThemeFileError with what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ThemeFileError(f"cannot read the file ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise ThemeFileError("the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ThemeFileError(f"invalid TOML: {error}") from None
    return theme_from_dict(data, generate)


def _load_dir(directory: Path, themes: dict[str, Theme], problems: list[str], generate: bool = True) -> None:
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.toml")):
        try:
            theme = load_theme_file(path, generate)
        except ThemeFileError as error:
            problems.append(f"{path.parent.name}/{path.name}: {error}; the theme was skipped")
            continue
        themes[theme.name] = theme


def load_themes(user_dir: Path | None = None) -> tuple[list[Theme], list[str]]:
    """Built-in themes, then the user's (default: paths.user_themes_dir()), which may override by name.

    Returns the themes and one problem string per file that was skipped.
    """
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    _load_dir(builtin_themes_dir(), themes, problems, generate=False)
    _load_dir(paths.user_themes_dir() if user_dir is None else user_dir, themes, problems)
    return list(themes.values()), problems


def register_themes(app: App, user_dir: Path | None = None) -> list[str]:
    """Register every loadable theme with `app`; return the problems to show the user."""
    themes, problems = load_themes(user_dir)
    for theme in themes:
        app.register_theme(theme)
    return problems
