"""Message-create bodies (a message, a new thread's messages, a run's additional_messages): content parts, attachments."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ..core import objects
from ..core.errors import bad_request
from . import validation as v
from .common import get_or_404

MESSAGE_FIELDS = {"role", "content", "attachments", "metadata"}


def _message_content(content: Any, param: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if len(content) > v.MAX_MESSAGE_CHARS:
            raise bad_request(f"Invalid '{param}': string too long (maximum {v.MAX_MESSAGE_CHARS} characters).", param=param, code="string_above_max_length")
        return [objects.text_part(content)]
    if not isinstance(content, list) or not content:
        raise bad_request(f"Invalid '{param}': expected a string or a non-empty array of content parts.", param=param, code="invalid_type")
    parts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        where = f"{param}[{i}]"
        if kind == "text" and isinstance(part.get("text"), str):
            parts.append(objects.text_part(part["text"]))
        elif kind == "image_file" and isinstance(part.get("image_file"), dict) and isinstance(part["image_file"].get("file_id"), str):
            parts.append({"type": "image_file", "image_file": {"file_id": part["image_file"]["file_id"], "detail": part["image_file"].get("detail", "auto")}})
        elif kind == "image_url" and isinstance(part.get("image_url"), dict) and isinstance(part["image_url"].get("url"), str):
            parts.append({"type": "image_url", "image_url": {"url": part["image_url"]["url"], "detail": part["image_url"].get("detail", "auto")}})
        else:
            raise bad_request(f"Invalid '{where}': expected a text, image_file or image_url content part.", param=where, code="invalid_value")
    return parts


async def _attachments(request: Request, body: dict[str, Any], param: str) -> list[dict[str, Any]]:
    value = v.typed(body, "attachments", list, param=param)
    result = []
    for i, item in enumerate(value or []):
        where = f"{param}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("file_id"), str):
            raise bad_request(f"Invalid '{where}': expected an object with a file_id.", param=where, code="invalid_value")
        await get_or_404(request, "file", item["file_id"])
        tools = item.get("tools") or []
        if not isinstance(tools, list) or any(not isinstance(t, dict) or t.get("type") not in ("code_interpreter", "file_search") for t in tools):
            raise bad_request(f"Invalid '{where}.tools': each tool must be code_interpreter or file_search.", param=f"{where}.tools", code="invalid_value")
        result.append({"file_id": item["file_id"], "tools": [{"type": t["type"]} for t in tools]})
    return result


async def new_message(request: Request, thread_id: str, body: dict[str, Any], param: str = "") -> dict[str, Any]:
    """Validate a message-create body (also used for thread messages and additional_messages)."""
    prefix = f"{param}." if param else ""
    v.reject_unknown(body, MESSAGE_FIELDS)
    role = body.get("role")
    if role not in ("user", "assistant"):
        raise bad_request(f"Invalid '{prefix}role': expected 'user' or 'assistant', got {role!r}.", param=f"{prefix}role", code="invalid_value")
    if "content" not in body:
        raise bad_request(f"Missing required parameter: '{prefix}content'.", param=f"{prefix}content", code="missing_required_parameter")
    content = _message_content(body["content"], f"{prefix}content")
    for part in content:  # an image the thread shows is one of the project's files, as an attachment is
        if part["type"] == "image_file":
            await get_or_404(request, "file", part["image_file"]["file_id"])
    attachments = await _attachments(request, body, f"{prefix}attachments")
    metadata = v.metadata(body)
    return objects.message(thread_id, role, content, attachments=attachments, metadata=metadata)
