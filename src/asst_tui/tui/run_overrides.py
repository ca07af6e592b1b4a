"""The overrides for the next run (or every run while pinned), apart from their screen: the app holds one from the start."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any

SHORT = ("model", "temperature", "max_prompt_tokens", "max_completion_tokens")


@dataclass(frozen=True)
class RunOverrides:
    """Run parameters to send (`params`), and whether they stay after the run (`pinned`)."""

    params: dict[str, Any] = dataclass_field(default_factory=dict)
    pinned: bool = False

    def summary(self) -> str:
        """A short line for the header: what is overridden, and whether it is pinned."""
        parts = []
        for key, value in self.params.items():
            if key in SHORT:
                parts.append(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}")
            elif key == "tool_choice":
                parts.append(f"tool_choice={value['function']['name'] if isinstance(value, dict) else value}")
            elif key == "truncation_strategy":
                last = value.get("last_messages")
                parts.append(f"truncation=last {last}" if last else "truncation=auto")
            else:
                parts.append(key)
        return ", ".join(parts) + (" (pinned)" if self.pinned and parts else "")
