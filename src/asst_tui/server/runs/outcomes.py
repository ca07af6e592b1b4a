"""How an engine ends a run early (failed or incomplete), and the token estimate engines and the context share."""

from __future__ import annotations


class RunFailed(Exception):
    """End the run `failed` with last_error {code, message}."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RunIncomplete(Exception):
    """End the run `incomplete` with incomplete_details {reason}."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def estimate_tokens(text: str) -> int:
    return max(1, round(len(text) / 4)) if text else 0
