"""Plain-text facts about a run: why it ended the way it did, how long it took, what it used."""

from __future__ import annotations

import time
from typing import Any

INCOMPLETE_REASONS = {
    "max_completion_tokens": "the reply reached max_completion_tokens",
    "max_prompt_tokens": "the prompt reached max_prompt_tokens",
}
END_FIELDS = ("completed_at", "failed_at", "cancelled_at", "incomplete_at")


def end_reason(run: dict[str, Any]) -> str | None:
    """Why a failed, incomplete, expired or cancelled run ended so; None for the others."""
    status = run.get("status")
    error = run.get("last_error") or {}
    said = f"{error.get('code') or 'error'}: {error.get('message') or 'no message'}" if error else ""
    if status == "failed":
        return f"failed — {said}" if said else "failed — the server gave no reason"
    if status == "incomplete":
        reason = (run.get("incomplete_details") or {}).get("reason") or "unknown"
        return f"incomplete — {INCOMPLETE_REASONS.get(reason, reason)}"
    if status == "expired":
        why = said or "it was not finished (or its function outputs were not submitted) before expires_at"
        return f"expired — {why}"
    if status == "cancelled":
        return "cancelled — stopped on request"
    return None


def usage_line(usage: dict[str, Any] | None) -> str:
    if not usage:
        return ""
    return f"{usage.get('prompt_tokens', 0)} in + {usage.get('completion_tokens', 0)} out = {usage.get('total_tokens', 0)} tokens"


def took(run: dict[str, Any]) -> str:
    """Seconds from start (or creation) to the end, '' while the run goes on."""
    start = run.get("started_at") or run.get("created_at")
    end = next((run[key] for key in END_FIELDS if run.get(key)), None)
    if not start or not end:
        return ""
    return f"{max(0, end - start)} s"


def clock(at: int | None, with_date: bool = False) -> str:
    if not at:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", time.localtime(at))
