"""Safe display of data text in the TUI: never parsed as Rich markup, control characters made visible.

`visible` (asst_tui/safe_text.py) says how control characters are shown.
"""

from __future__ import annotations

import json

from rich.text import Text

from ..safe_text import visible

__all__ = ["format_arguments", "literal", "visible"]


def literal(s: str, style: str = "") -> Text:
    """A Text showing `s` exactly as data: no markup, control characters made visible."""
    return Text(visible(s), style=style)


def format_arguments(arguments: str) -> tuple[str, bool]:
    """Pretty-printed JSON and True, or `arguments` unchanged and False when it is not valid JSON."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False), True
    except (TypeError, ValueError):
        return arguments, False
