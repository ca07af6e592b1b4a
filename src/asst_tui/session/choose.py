"""Which assistant and thread a session starts with, the demo assistant a first run creates, and new threads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..config import Profile
from ..registry import AssistantEntry, Registry, ThreadEntry

if TYPE_CHECKING:
    from ..client.backend import Backend

DEMO_ASSISTANT_NAME = "Demo assistant"

GET_CURRENT_TEMPERATURE = {
    "type": "function",
    "function": {
        "name": "get_current_temperature",
        "description": "Get the current temperature for a location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
            },
            "required": ["location", "unit"],
        },
    },
}

DEMO_ASSISTANT = {
    "name": DEMO_ASSISTANT_NAME,
    "model": "demo",
    "instructions": "You are the offline demo assistant of asst-tui.",
    "tools": [{"type": "code_interpreter"}, {"type": "file_search"}, GET_CURRENT_TEMPERATURE],
}


async def choose_assistant(
    backend: Backend, registry: Registry, profile: Profile, requested: str | None
) -> tuple[dict[str, Any] | None, bool]:
    """The assistant to chat with, and whether it was just created (the demo assistant, on a first run)."""
    from ..client.errors import BackendError

    identity = profile.identity
    wanted = requested or profile.default_assistant
    if wanted:
        assistant = await backend.retrieve_assistant(wanted)
        remember_assistant(registry, identity, assistant)
        return assistant, False
    for entry in registry.assistants(identity):
        try:
            assistant = await backend.retrieve_assistant(entry.id)
        except BackendError as error:
            if error.kind != "not_found":
                raise
            registry.remove_assistant(identity, entry.id)
            continue
        return assistant, False
    listed = await backend.list_assistants()
    if listed:
        remember_assistant(registry, identity, listed[0])
        return listed[0], False
    if profile.kind != "local":
        return None, False
    assistant = await backend.create_assistant(**DEMO_ASSISTANT)
    remember_assistant(registry, identity, assistant)
    return assistant, True


def remember_assistant(registry: Registry, identity: str, assistant: dict[str, Any]) -> None:
    registry.record_assistant(
        identity,
        AssistantEntry(assistant["id"], name=assistant.get("name") or "", created_at=int(assistant.get("created_at") or 0)),
    )


async def new_thread(backend: Backend, registry: Registry, identity: str, assistant_id: str | None) -> str:
    """Create a thread on the server and record it in the registry at once."""
    thread = await backend.create_thread()
    registry.record_thread(identity, ThreadEntry(thread["id"], assistant_id=assistant_id))
    return thread["id"]


async def title_from_first_message(
    backend: Backend, registry: Registry, identity: str, thread_id: str, messages: list[dict[str, Any]], has_older: bool
) -> bool:
    """Title an untitled thread (one adopted by its ID) from its first user message; True if it got one.

    `messages` is the newest page, chronological; when older ones exist the oldest are fetched.
    """
    entry = registry.get_thread(identity, thread_id)
    if entry is None or entry.title:
        return False
    if has_older:
        messages = await backend.oldest_messages(thread_id)
    first = next((m for m in messages if m.get("role") == "user" and message_text(m).strip()), None)
    if first is None:
        return False
    registry.set_title_if_empty(identity, thread_id, message_text(first))
    return True


def message_text(message: dict[str, Any]) -> str:
    """The text parts of a message, joined."""
    return "\n\n".join(str((part.get("text") or {}).get("value") or "") for part in message.get("content") or () if part.get("type") == "text")


def first_thread(registry: Registry, identity: str, requested: str | None) -> str | None:
    """The thread to open at startup: the requested one (adopted), else the most recent usable one."""
    if requested:
        registry.adopt_thread(identity, requested)
        return requested
    usable = [entry for entry in registry.threads(identity) if not entry.stale]
    return usable[0].id if usable else None
