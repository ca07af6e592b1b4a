"""Projects: every stored object belongs to one, named by the server key that created it."""

from __future__ import annotations

import re

DEFAULT_PROJECT = "default"  # without keys, with the single --api-key, and for everything stored before keys existed
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_project_name(name: str) -> str:
    """The name, if it is one (a letter or digit, then up to 63 of letters, digits, '.', '_', '-'); else ValueError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a project name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name
