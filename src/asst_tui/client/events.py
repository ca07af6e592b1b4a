"""The neutral, typed events a run stream is turned into; the TUI consumes only these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class RunStatusChanged:
    """The run moved to a new status (queued, in_progress, requires_action, completed, ...)."""

    run_id: str
    status: str
    at: float
    run: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageStarted:
    message_id: str
    role: str
    run_id: str | None


@dataclass(frozen=True, slots=True)
class TextDelta:
    message_id: str
    text: str


@dataclass(frozen=True, slots=True)
class MessageDone:
    """A message is complete; `message` is the full message object as a plain dict."""

    message_id: str
    message: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    step_id: str
    call_id: str
    index: int
    type: str  # "code_interpreter" | "function" | "file_search"
    name: str = ""  # function name, for function calls


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """Streamed input of a tool call: code-interpreter source or function arguments."""

    step_id: str
    call_id: str
    index: int
    type: str
    input: str


@dataclass(frozen=True, slots=True)
class CodeLogs:
    step_id: str
    call_id: str
    logs: str


@dataclass(frozen=True, slots=True)
class CodeImage:
    step_id: str
    call_id: str
    file_id: str


@dataclass(frozen=True, slots=True)
class ToolCallDone:
    """A tool call finished; `call` is the tool call object as a plain dict (input, outputs)."""

    step_id: str
    call_id: str
    type: str
    call: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RequiresAction:
    """The run waits for function outputs. The stream ends after this event."""

    run_id: str
    tool_calls: list[dict[str, Any]]  # [{id, type: "function", function: {name, arguments}}]
    expires_at: int | None
    run: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    run_id: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True, slots=True)
class RunEnded:
    """Terminal status: completed, failed, cancelled, expired or incomplete."""

    run_id: str
    status: str
    run: dict[str, Any]
    last_error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StreamError:
    """An `event: error` from the server, or the connection failing mid-stream."""

    message: str
    code: str | None = None
    recoverable: bool = True


RunEvent = Union[
    RunStatusChanged,
    MessageStarted,
    TextDelta,
    MessageDone,
    ToolCallStarted,
    ToolCallDelta,
    CodeLogs,
    CodeImage,
    ToolCallDone,
    RequiresAction,
    Usage,
    RunEnded,
    StreamError,
]
