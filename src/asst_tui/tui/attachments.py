"""Files attached to the next message: which tool gets each, and how sizes are shown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOOLS = ("file_search", "code_interpreter")
_FOR_CODE = {".csv", ".tsv", ".xlsx", ".xls", ".parquet", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".pkl", ".npy"}


@dataclass(frozen=True)
class Attachment:
    """An uploaded file and the tool that gets it with the message."""

    file_id: str
    name: str
    tool: str

    def param(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "tools": [{"type": self.tool}]}


def default_tool(path: Path) -> str:
    """Data and images go to the code interpreter; text, documents and code to file_search."""
    return "code_interpreter" if path.suffix.lower() in _FOR_CODE else "file_search"


def other_tool(tool: str) -> str:
    return TOOLS[(TOOLS.index(tool) + 1) % len(TOOLS)]


def human_size(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
