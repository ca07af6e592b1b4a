"""Every platformdirs location the project uses, in one place.

`ASST_TUI_HOME` (if set) puts everything under one directory: tests and portable installs use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "asst-tui"


def _home() -> Path | None:
    value = os.environ.get("ASST_TUI_HOME")
    return Path(value) if value else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def registry_file() -> Path:
    return data_dir() / "registry.toml"


def server_data_dir() -> Path:
    """Where the embedded server of the `local` profile keeps its SQLite database and files."""
    return data_dir() / "server"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def transcripts_dir() -> Path:
    home = _home()
    return home / "transcripts" if home else Path(platformdirs.user_documents_dir()) / APP_NAME


def downloads_dir() -> Path:
    home = _home()
    return home / "downloads" if home else Path(platformdirs.user_downloads_dir()) / APP_NAME
