"""The data of one streamed Assistants event, decoded for the stream adapter.

A `thread.message.delta` (one per token) goes straight from JSON to TextDelta. Every other event is
rare and becomes the SDK's model of it, built without validation like the SDK's own stream builds it,
so that stream.StreamAdapter reads it as it always has.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from openai.types.beta import AssistantStreamEvent
from openai.types.beta.assistant_stream_event import ErrorEvent

from .events import TextDelta

MESSAGE_DELTA = "thread.message.delta"

_MODELS: dict[str, Any] = {
    get_args(model.model_fields["event"].annotation)[0]: model
    for model in get_args(get_args(AssistantStreamEvent)[0])
}  # event name -> the SDK's model of that event (ThreadRunCreated, ErrorEvent...)


def text_deltas(data: str) -> list[TextDelta]:
    """The text parts of a `thread.message.delta` event's data (other parts, e.g. images, carry no text)."""
    message = json.loads(data)
    message_id = message.get("id")
    return [
        TextDelta(message_id, value)
        for part in message["delta"].get("content") or ()
        if part.get("type") == "text" and (value := (part.get("text") or {}).get("value"))
    ]


def sdk_event(name: str, data: str) -> Any | None:
    """The SDK's model of event `name` with JSON `data`, or None for an event asst-tui has no use for.

    An `{"error": ...}` object sent under any name outside `thread.*` (as the SDK reads it too) and
    the bare error object of an `event: error` both become the SDK's ErrorEvent.
    """
    payload = json.loads(data)
    if not name.startswith("thread."):
        if isinstance(payload, dict) and payload.get("error"):
            return ErrorEvent.model_construct(event="error", data=payload["error"])
        if name != "error":
            return None
    model = _MODELS.get(name)
    return None if model is None else model.model_construct(event=name, data=payload)
