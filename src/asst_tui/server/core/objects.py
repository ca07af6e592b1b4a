"""Builders for the API objects, with every field the SDK types and the OpenAPI description define."""

from __future__ import annotations

import time
from typing import Any

from .ids import new_id


def now() -> int:
    return int(time.time())


def assistant(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id("asst"),
        "object": "assistant",
        "created_at": now(),
        "name": params.get("name"),
        "description": params.get("description"),
        "model": params["model"],
        "instructions": params.get("instructions"),
        "tools": params.get("tools") or [],
        "tool_resources": params.get("tool_resources") or {},
        "metadata": params.get("metadata") or {},
        "temperature": params.get("temperature", 1.0) if params.get("temperature") is not None else 1.0,
        "top_p": params.get("top_p") if params.get("top_p") is not None else 1.0,
        "response_format": params.get("response_format") or "auto",
    }


def thread(metadata: dict[str, str] | None, tool_resources: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": new_id("thread"),
        "object": "thread",
        "created_at": now(),
        "metadata": metadata or {},
        "tool_resources": tool_resources or {},
    }


def text_part(value: str) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": []}}


def message(
    thread_id: str,
    role: str,
    content: list[dict[str, Any]],
    *,
    assistant_id: str | None = None,
    run_id: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    metadata: dict[str, str] | None = None,
    status: str = "completed",
) -> dict[str, Any]:
    created = now()
    return {
        "id": new_id("msg"),
        "object": "thread.message",
        "created_at": created,
        "thread_id": thread_id,
        "status": status,
        "incomplete_details": None,
        "completed_at": created if status == "completed" else None,
        "incomplete_at": None,
        "role": role,
        "content": content,
        "assistant_id": assistant_id,
        "run_id": run_id,
        "attachments": attachments or [],
        "metadata": metadata or {},
    }


def run(thread_id: str, assistant: dict[str, Any], params: dict[str, Any], expiry_seconds: int) -> dict[str, Any]:
    created = now()
    instructions = params.get("instructions")
    if instructions is None:
        instructions = assistant.get("instructions") or ""
    if params.get("additional_instructions"):
        instructions = f"{instructions}\n\n{params['additional_instructions']}".strip()
    tools = params.get("tools")
    return {
        "id": new_id("run"),
        "object": "thread.run",
        "created_at": created,
        "thread_id": thread_id,
        "assistant_id": assistant["id"],
        "status": "queued",
        "required_action": None,
        "last_error": None,
        "expires_at": created + expiry_seconds,
        "started_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "incomplete_details": None,
        "model": params.get("model") or assistant["model"],
        "instructions": instructions,
        "tools": tools if tools is not None else assistant.get("tools") or [],
        "metadata": params.get("metadata") or {},
        "usage": None,
        "temperature": params.get("temperature") if params.get("temperature") is not None else assistant.get("temperature"),
        "top_p": params.get("top_p") if params.get("top_p") is not None else assistant.get("top_p"),
        "max_prompt_tokens": params.get("max_prompt_tokens"),
        "max_completion_tokens": params.get("max_completion_tokens"),
        "truncation_strategy": params.get("truncation_strategy") or {"type": "auto", "last_messages": None},
        "response_format": params.get("response_format") or assistant.get("response_format") or "auto",
        "tool_choice": params.get("tool_choice") or "auto",
        "parallel_tool_calls": params.get("parallel_tool_calls", True) if params.get("parallel_tool_calls") is not None else True,
    }


def run_step(run: dict[str, Any], step_type: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id("step"),
        "object": "thread.run.step",
        "created_at": now(),
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "run_id": run["id"],
        "type": step_type,
        "status": "in_progress",
        "step_details": details,
        "last_error": None,
        "expired_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "metadata": {},
        "usage": None,
    }


def file(filename: str, size: int, purpose: str) -> dict[str, Any]:
    # No `expires_at` (set only for an upload with expires_after) and no `status_details` (files never fail
    # processing here): the OpenAPI description types both as non-null but optional; the SDK defaults them to None.
    return {
        "id": new_id("file-"),
        "object": "file",
        "bytes": size,
        "created_at": now(),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def deleted(object_id: str, kind: str) -> dict[str, Any]:
    return {"id": object_id, "object": f"{kind}.deleted", "deleted": True}


def page(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }
