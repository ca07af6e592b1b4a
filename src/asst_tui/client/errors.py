"""The one exception the client raises: what happened, what to do, and a kind the TUI can branch on."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import openai

KINDS = frozenset(
    {"connection", "auth", "not_found", "rate_limit", "server", "locked", "bad_request", "timeout"}
)

_LOCKED = re.compile(r"already has an active run|while a run\b.*\bis active", re.IGNORECASE | re.DOTALL)


class BackendError(Exception):
    """A backend call failed. `message` says what happened, `hint` what to do; both are plain text."""

    def __init__(self, message: str, hint: str, *, kind: str, status: int | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown BackendError kind {kind!r}")
        super().__init__(message, hint)
        self.message = message
        self.hint = hint
        self.kind = kind
        self.status = status

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}"

    def __repr__(self) -> str:
        return f"BackendError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


def from_exception(exc: BaseException, *, base_url: str | None = None, unreachable_hint: str | None = None) -> BackendError:
    """Map an SDK/transport exception to a BackendError; `base_url` names the server in messages.

    `unreachable_hint` replaces the hint when the server can't be reached (the embedded server's says it stopped).
    """
    if isinstance(exc, BackendError):
        return exc
    where = base_url or _origin(exc)
    if isinstance(exc, (openai.APITimeoutError, httpx2.TimeoutException)):
        return BackendError(
            f"{where} took too long to answer",
            "Try again; if it keeps happening, check the server and the profile's base_url.",
            kind="timeout",
        )
    if isinstance(exc, (openai.APIConnectionError, httpx2.RequestError)):
        return BackendError(
            f"Can't reach {where}",
            unreachable_hint or "Is the server running? Check the profile's base_url.",
            kind="connection",
        )
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, where)
    if isinstance(exc, openai.APIResponseValidationError):
        return BackendError(
            f"{where} sent an answer that isn't an Assistants API object",
            "Check that the profile's base_url points at an Assistants v2 server.",
            kind="server",
            status=exc.status_code,
        )
    if isinstance(exc, openai.APIError):
        return BackendError(
            _server_message(exc) or "The server reported an error",
            "Try again; if it keeps happening, check the server's log.",
            kind="server",
        )
    if isinstance(exc, ValueError):  # the SDK refuses empty ids and bad arguments before sending
        return BackendError(str(exc), "This is a bug in asst-tui; please report it.", kind="bad_request")
    return BackendError(
        f"Unexpected error talking to {where}: {type(exc).__name__}: {exc}",
        "Try again; if it keeps happening, please report it.",
        kind="server",
    )


def _from_status(exc: openai.APIStatusError, where: str) -> BackendError:
    status = exc.status_code
    said = _server_message(exc)

    def err(what: str, hint: str, kind: str) -> BackendError:
        return BackendError(f"{what}: {said}" if said else what, hint, kind=kind, status=status)

    if status in (400, 409) and _LOCKED.search(said):
        return BackendError(said, "Wait for the run to finish or cancel it (Esc).", kind="locked", status=status)
    if status == 401:
        return err(
            f"{where} rejected the API key (401)",
            "Check the API key env var named in the profile (api_key_env).",
            "auth",
        )
    if status == 403:
        return err(
            f"{where} refused access (403)",
            "Check the API key and the profile's organization/project.",
            "auth",
        )
    if status == 404:
        return err(
            "Not found (404)",
            "It may have been deleted, or it belongs to another profile or server.",
            "not_found",
        )
    if status == 429:
        return err("Rate limited (429)", _rate_limit_hint(exc), "rate_limit")
    if status >= 500:
        return err(
            f"{where} failed ({status})",
            "Try again; if it keeps happening, check the server's log.",
            "server",
        )
    return err(f"The request was refused ({status})", "Check what was sent; the message above says why.", "bad_request")


def _rate_limit_hint(exc: openai.APIStatusError) -> str:
    if exc.code == "insufficient_quota":
        return "The account is out of quota; check its plan and billing."
    retry_after = exc.response.headers.get("retry-after")
    if retry_after:
        return f"Wait {retry_after} s (the server's Retry-After) and try again."
    return "Wait a moment and try again."


def _server_message(exc: openai.APIError) -> str:
    """The server's own error message, as plain text."""
    body: Any = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    if isinstance(body, str) and body.strip():
        return body.strip()
    message = str(exc.message or "")
    # the SDK prefixes status errors with "Error code: NNN - "; the status is reported separately
    return re.sub(r"^Error code: \d+(?: - )?", "", message).strip()


def _origin(exc: BaseException) -> str:
    request = getattr(exc, "request", None)
    try:
        url = request.url if request is not None else None
    except RuntimeError:  # httpx2 raises when an exception was made without a request
        url = None
    if url is None:
        return "the server"
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
