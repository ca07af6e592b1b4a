"""Bad input answers a clear 4xx in OpenAI's error shape, never a 500, and writes nothing.

Every case of the table runs against one real server over plain HTTP. Besides the status and the
error body (validated against the spec's ErrorResponse, and naming the problem by `param` or by a word
of the message), each case snapshots the server's storage (every stored object and the files on
disk) before and after: a rejected create leaves no object, a rejected update changes nothing, a
rejected run adds no messages from additional_messages. The API-level view is checked too: list
endpoints show no new object and updated objects read back unchanged.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from asst_tui.server import ServerConfig, start_server

from .conftest import store_overrides
from .openapi_schemas import Spec, load_spec

Body = Any  # a JSON value with "{name}" placeholders filled from the world's ids


@dataclass
class Case:
    method: str
    path: str
    json: Body = None  # sent as JSON when not None
    content: bytes | None = None  # sent raw (with a JSON content type unless headers say otherwise)
    headers: dict[str, str] = field(default_factory=dict)
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    params: dict[str, str] | None = None
    status: int = 400
    param: str | None = None  # the error's param, exactly
    word: str | None = None  # or a word of its message (case-insensitive)
    reads: tuple[str, ...] = ()  # GET paths whose answers must not change (the API view of "nothing written")


def case(id: str, method: str, path: str, **kwargs: Any) -> Any:
    return pytest.param(Case(method, path, **kwargs), id=id)


LONG = "x"
ASSISTANTS = "/assistants?limit=100"
FILES = "/files?limit=100"
MESSAGES = "/threads/{thread}/messages?limit=100"
WAITING_MESSAGES = "/threads/{waiting_thread}/messages?limit=100"
RUNS = "/threads/{thread}/runs?limit=100"
VECTOR_STORES = "/vector_stores?limit=100"
VS = "/vector_stores/{vs}"
VS_FILES = "/vector_stores/{vs}/files?limit=100"
BATCH = "/vector_stores/{vs}/file_batches/{batch}"
STATIC = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}


def metadata(keys: int = 1, key_len: int = 1, value_len: int = 1) -> dict[str, str]:
    return {f"{i:0{key_len}d}"[:key_len].rjust(key_len, "k"): "v" * value_len for i in range(keys)}


def function_tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}


USER = {"role": "user", "content": "hello"}

CASES = [
    # ---- malformed bodies ----
    case("malformed-json", "POST", "/assistants", content=b'{"model": "gpt-4o",', word="JSON", reads=(ASSISTANTS,)),
    case("invalid-utf8", "POST", "/assistants", content=b'{"model": "\xff\xfe"}', word="JSON", reads=(ASSISTANTS,)),
    case("body-array", "POST", "/assistants", content=b'["gpt-4o"]', word="object", reads=(ASSISTANTS,)),
    case("body-string", "POST", "/threads", content=b'"hi"', word="object"),
    case("body-null", "POST", "/threads/{thread}/messages", content=b"null", word="object", reads=(MESSAGES,)),
    case("body-number-on-update", "POST", "/assistants/{asst}", content=b"42", word="object", reads=("/assistants/{asst}",)),
    case("malformed-json-run", "POST", "/threads/{thread}/runs", content=b"{assistant_id: 1}", word="JSON", reads=(RUNS, MESSAGES)),
    # ---- wrong types ----
    case("name-int", "POST", "/assistants", json={"model": "gpt-4o", "name": 3}, param="name", reads=(ASSISTANTS,)),
    case("tools-string", "POST", "/assistants", json={"model": "gpt-4o", "tools": "x"}, param="tools", reads=(ASSISTANTS,)),
    case("metadata-list", "POST", "/assistants", json={"model": "gpt-4o", "metadata": []}, param="metadata", reads=(ASSISTANTS,)),
    case("temperature-string", "POST", "/assistants", json={"model": "gpt-4o", "temperature": "hot"}, param="temperature", reads=(ASSISTANTS,)),
    case("model-int", "POST", "/assistants", json={"model": 4}, param="model", reads=(ASSISTANTS,)),
    case("tool-item-string", "POST", "/assistants", json={"model": "gpt-4o", "tools": ["code_interpreter"]}, param="tools[0]"),
    case("metadata-value-int", "POST", "/assistants", json={"model": "gpt-4o", "metadata": {"a": 1}}, param="metadata.a"),
    case("tool-resources-string", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"code_interpreter": "x"}}, param="tool_resources.code_interpreter"),
    case("update-name-int", "POST", "/assistants/{asst}", json={"name": 3}, param="name", reads=("/assistants/{asst}",)),
    case("update-valid-then-invalid", "POST", "/assistants/{asst}", json={"name": "Changed", "temperature": "hot"}, param="temperature", reads=("/assistants/{asst}",)),
    case("update-top-p-range", "POST", "/assistants/{asst}", json={"description": "Changed", "top_p": 1.5}, param="top_p", reads=("/assistants/{asst}",)),
    case("thread-metadata-list", "POST", "/threads", json={"metadata": []}, param="metadata"),
    case("thread-messages-object", "POST", "/threads", json={"messages": {"role": "user"}}, param="messages"),
    case("thread-update-metadata-string", "POST", "/threads/{thread}", json={"metadata": "x"}, param="metadata", reads=("/threads/{thread}",)),
    case("message-content-int", "POST", "/threads/{thread}/messages", json={"role": "user", "content": 5}, param="content", reads=(MESSAGES,)),
    case("message-content-empty", "POST", "/threads/{thread}/messages", json={"role": "user", "content": []}, param="content", reads=(MESSAGES,)),
    case("message-part-unknown", "POST", "/threads/{thread}/messages", json={"role": "user", "content": [{"type": "audio"}]}, param="content[0]", reads=(MESSAGES,)),
    case("message-role-system", "POST", "/threads/{thread}/messages", json={"role": "system", "content": "x"}, param="role", reads=(MESSAGES,)),
    case("message-attachments-string", "POST", "/threads/{thread}/messages", json={**USER, "attachments": "x"}, param="attachments", reads=(MESSAGES,)),
    case("message-update-metadata-list", "POST", "/threads/{thread}/messages/{msg}", json={"metadata": []}, param="metadata", reads=("/threads/{thread}/messages/{msg}",)),
    case("run-temperature-string", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "temperature": "hot"}, param="temperature", reads=(RUNS, MESSAGES)),
    case("run-stream-string", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "stream": "yes"}, param="stream", reads=(RUNS,)),
    case("run-parallel-string", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "parallel_tool_calls": "yes"}, param="parallel_tool_calls", reads=(RUNS,)),
    case("run-max-tokens-float", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "max_completion_tokens": 300.5}, param="max_completion_tokens", reads=(RUNS,)),
    case("run-update-metadata-list", "POST", "/threads/{thread}/runs/{run}", json={"metadata": []}, param="metadata", reads=("/threads/{thread}/runs/{run}",)),
    case("create-and-run-thread-string", "POST", "/threads/runs", json={"assistant_id": "{asst}", "thread": "x"}, param="thread"),
    case("submit-outputs-string", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs", json={"tool_outputs": "x"}, param="tool_outputs", reads=("/threads/{waiting_thread}/runs/{waiting_run}",)),
    case("submit-output-int", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs",
         json={"tool_outputs": [{"tool_call_id": "{call0}", "output": 1}, {"tool_call_id": "{call1}", "output": "x"}]}, param="tool_outputs[0].output",
         reads=("/threads/{waiting_thread}/runs/{waiting_run}", "/threads/{waiting_thread}/runs/{waiting_run}/steps")),
    # ---- missing required fields ----
    case("missing-model", "POST", "/assistants", json={"name": "No model"}, param="model", reads=(ASSISTANTS,)),
    case("empty-body-assistant", "POST", "/assistants", content=b"", param="model", reads=(ASSISTANTS,)),
    case("missing-assistant-id", "POST", "/threads/{thread}/runs", json={"additional_messages": [USER]}, param="assistant_id", reads=(RUNS, MESSAGES)),
    case("missing-assistant-id-create-and-run", "POST", "/threads/runs", json={"thread": {"messages": [USER]}}, param="assistant_id"),
    case("missing-content", "POST", "/threads/{thread}/messages", json={"role": "user"}, param="content", reads=(MESSAGES,)),
    case("missing-role", "POST", "/threads/{thread}/messages", json={"content": "x"}, param="role", reads=(MESSAGES,)),
    case("thread-message-missing-content", "POST", "/threads", json={"messages": [USER, {"role": "user"}]}, param="messages[1].content"),
    case("missing-tool-outputs", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs", json={}, param="tool_outputs", reads=("/threads/{waiting_thread}/runs/{waiting_run}",)),
    case("missing-one-tool-output", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs",
         json={"tool_outputs": [{"tool_call_id": "{call0}", "output": "x"}]}, param="tool_outputs",
         reads=("/threads/{waiting_thread}/runs/{waiting_run}", "/threads/{waiting_thread}/runs/{waiting_run}/steps")),
    case("missing-function", "POST", "/assistants", json={"model": "gpt-4o", "tools": [{"type": "function"}]}, param="tools[0].function"),
    # ---- unknown fields ----
    case("unknown-field-assistant", "POST", "/assistants", json={"model": "gpt-4o", "colour": "red"}, param="colour", reads=(ASSISTANTS,)),
    case("unknown-field-assistant-update", "POST", "/assistants/{asst}", json={"name": "X", "file_ids": []}, param="file_ids", reads=("/assistants/{asst}",)),
    case("unknown-field-thread", "POST", "/threads", json={"messages": [USER], "title": "x"}, param="title"),
    case("unknown-field-thread-message", "POST", "/threads", json={"messages": [{**USER, "file_ids": []}]}, param="file_ids"),
    case("unknown-field-message", "POST", "/threads/{thread}/messages", json={**USER, "name": "bob"}, param="name", reads=(MESSAGES,)),
    case("unknown-field-message-update", "POST", "/threads/{thread}/messages/{msg}", json={"content": "edited"}, param="content", reads=("/threads/{thread}/messages/{msg}",)),
    case("unknown-field-run", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "file_ids": []}, param="file_ids", reads=(RUNS,)),
    case("unknown-field-run-update", "POST", "/threads/{thread}/runs/{run}", json={"status": "cancelled"}, param="status", reads=("/threads/{thread}/runs/{run}",)),
    case("unknown-field-create-and-run", "POST", "/threads/runs", json={"assistant_id": "{asst}", "additional_messages": [USER]}, param="additional_messages"),
    case("unknown-field-submit", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs", json={"tool_outputs": [], "outputs": []}, param="outputs"),
    # ---- unknown ids ----
    case("unknown-assistant", "GET", "/assistants/asst_nope", status=404, word="asst_nope"),
    case("unknown-assistant-update", "POST", "/assistants/asst_nope", json={"name": "x"}, status=404, word="asst_nope"),
    case("unknown-assistant-delete", "DELETE", "/assistants/asst_nope", status=404, word="asst_nope"),
    case("unknown-thread", "GET", "/threads/thread_nope", status=404, word="thread_nope"),
    case("unknown-thread-delete", "DELETE", "/threads/thread_nope", status=404, word="thread_nope"),
    case("unknown-thread-messages", "GET", "/threads/thread_nope/messages", status=404, word="thread_nope"),
    case("unknown-thread-new-message", "POST", "/threads/thread_nope/messages", json=USER, status=404, word="thread_nope"),
    case("unknown-message", "GET", "/threads/{thread}/messages/msg_nope", status=404, word="msg_nope"),
    case("message-of-another-thread", "GET", "/threads/{other_thread}/messages/{msg}", status=404, word="{msg}"),
    case("update-message-of-another-thread", "POST", "/threads/{other_thread}/messages/{msg}", json={"metadata": {"a": "b"}}, status=404, word="{msg}", reads=("/threads/{thread}/messages/{msg}",)),
    case("delete-message-of-another-thread", "DELETE", "/threads/{other_thread}/messages/{msg}", status=404, word="{msg}", reads=(MESSAGES,)),
    case("unknown-run", "GET", "/threads/{thread}/runs/run_nope", status=404, word="run_nope"),
    case("run-of-another-thread", "GET", "/threads/{other_thread}/runs/{run}", status=404, word="{run}"),
    case("unknown-run-cancel", "POST", "/threads/{thread}/runs/run_nope/cancel", status=404, word="run_nope"),
    case("unknown-run-steps", "GET", "/threads/{thread}/runs/run_nope/steps", status=404, word="run_nope"),
    case("unknown-step", "GET", "/threads/{thread}/runs/{run}/steps/step_nope", status=404, word="step_nope"),
    case("step-of-another-run", "GET", "/threads/{waiting_thread}/runs/{waiting_run}/steps/{step}", status=404, word="{step}"),
    case("unknown-file", "GET", "/files/file-nope", status=404, word="file-nope"),
    case("unknown-file-content", "GET", "/files/file-nope/content", status=404, word="file-nope"),
    case("unknown-file-delete", "DELETE", "/files/file-nope", status=404, word="file-nope", reads=(FILES,)),
    case("run-unknown-assistant", "POST", "/threads/{thread}/runs", json={"assistant_id": "asst_nope", "additional_messages": [USER]}, status=404, word="asst_nope", reads=(RUNS, MESSAGES)),
    case("create-and-run-unknown-assistant", "POST", "/threads/runs", json={"assistant_id": "asst_nope", "thread": {"messages": [USER]}}, status=404, word="asst_nope"),
    case("attachment-unknown-file", "POST", "/threads/{thread}/messages", json={**USER, "attachments": [{"file_id": "file-nope", "tools": [{"type": "code_interpreter"}]}]}, status=404, word="file-nope", reads=(MESSAGES,)),
    case("thread-resources-unknown-file", "POST", "/threads", json={"messages": [USER], "tool_resources": {"code_interpreter": {"file_ids": ["file-nope"]}}}, status=404, word="file-nope"),
    case("thread-update-unknown-file", "POST", "/threads/{thread}", json={"metadata": {"changed": "yes"}, "tool_resources": {"code_interpreter": {"file_ids": ["file-nope"]}}}, status=404, word="file-nope", reads=("/threads/{thread}",)),
    case("assistant-unknown-file", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"code_interpreter": {"file_ids": ["file-nope"]}}}, status=404, word="file-nope", reads=(ASSISTANTS,)),
    case("submit-unknown-call", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs",
         json={"tool_outputs": [{"tool_call_id": "call_nope", "output": "x"}]}, param="tool_outputs[0].tool_call_id", reads=("/threads/{waiting_thread}/runs/{waiting_run}",)),
    # ---- the spec's limits ----
    case("metadata-17-keys", "POST", "/assistants", json={"model": "gpt-4o", "metadata": metadata(keys=17, key_len=3)}, param="metadata", reads=(ASSISTANTS,)),
    case("metadata-key-65", "POST", "/assistants", json={"model": "gpt-4o", "metadata": metadata(key_len=65)}, word="metadata", reads=(ASSISTANTS,)),
    case("metadata-value-513", "POST", "/assistants", json={"model": "gpt-4o", "metadata": metadata(value_len=513)}, word="metadata", reads=(ASSISTANTS,)),
    case("name-257", "POST", "/assistants", json={"model": "gpt-4o", "name": LONG * 257}, param="name", reads=(ASSISTANTS,)),
    case("description-513", "POST", "/assistants", json={"model": "gpt-4o", "description": LONG * 513}, param="description", reads=(ASSISTANTS,)),
    case("instructions-256001", "POST", "/assistants", json={"model": "gpt-4o", "instructions": LONG * 256_001}, param="instructions", reads=(ASSISTANTS,)),
    case("tools-129", "POST", "/assistants", json={"model": "gpt-4o", "tools": [function_tool(f"f{i}") for i in range(129)]}, param="tools", reads=(ASSISTANTS,)),
    case("function-name-space", "POST", "/assistants", json={"model": "gpt-4o", "tools": [function_tool("get weather")]}, param="tools[0].function.name", reads=(ASSISTANTS,)),
    case("function-name-65", "POST", "/assistants", json={"model": "gpt-4o", "tools": [function_tool("f" * 65)]}, param="tools[0].function.name"),
    case("update-name-257", "POST", "/assistants/{asst}", json={"name": LONG * 257}, param="name", reads=("/assistants/{asst}",)),
    case("thread-metadata-17-keys", "POST", "/threads", json={"metadata": metadata(keys=17, key_len=3)}, param="metadata"),
    case("message-metadata-value-513", "POST", "/threads/{thread}/messages", json={**USER, "metadata": metadata(value_len=513)}, word="metadata", reads=(MESSAGES,)),
    case("message-update-17-keys", "POST", "/threads/{thread}/messages/{msg}", json={"metadata": metadata(keys=17, key_len=3)}, param="metadata", reads=("/threads/{thread}/messages/{msg}",)),
    case("run-update-key-65", "POST", "/threads/{thread}/runs/{run}", json={"metadata": metadata(key_len=65)}, word="metadata", reads=("/threads/{thread}/runs/{run}",)),
    case("run-instructions-256001", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "instructions": LONG * 256_001}, param="instructions", reads=(RUNS,)),
    case("run-tools-129", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "tools": [function_tool(f"f{i}") for i in range(129)]}, param="tools", reads=(RUNS,)),
    case("run-max-completion-255", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "max_completion_tokens": 255}, param="max_completion_tokens", reads=(RUNS,)),
    case("run-max-prompt-0", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "max_prompt_tokens": 0}, param="max_prompt_tokens", reads=(RUNS,)),
    case("run-temperature-3", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "temperature": 3}, param="temperature", reads=(RUNS,)),
    # ---- unsupported options ----
    case("tool-type-retrieval", "POST", "/assistants", json={"model": "gpt-4o", "tools": [{"type": "retrieval"}]}, param="tools[0].type", reads=(ASSISTANTS,)),
    case("response-format-xml", "POST", "/assistants", json={"model": "gpt-4o", "response_format": {"type": "xml"}}, param="response_format", reads=(ASSISTANTS,)),
    case("response-format-string", "POST", "/assistants", json={"model": "gpt-4o", "response_format": "json"}, param="response_format"),
    case("run-tool-type-retrieval", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "tools": [{"type": "retrieval"}]}, param="tools[0].type", reads=(RUNS,)),
    case("run-response-format-xml", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "response_format": {"type": "xml"}}, param="response_format", reads=(RUNS,)),
    case("truncation-middle", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "truncation_strategy": {"type": "middle"}}, param="truncation_strategy.type", reads=(RUNS,)),
    case("truncation-last-messages-0", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "truncation_strategy": {"type": "last_messages", "last_messages": 0}}, param="truncation_strategy.last_messages"),
    case("tool-choice-function-string", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "tool_choice": {"type": "function", "function": "get_time"}}, param="tool_choice.function.name", reads=(RUNS,)),
    case("response-format-schema-missing", "POST", "/assistants", json={"model": "gpt-4o", "response_format": {"type": "json_schema"}}, param="response_format.json_schema", reads=(ASSISTANTS,)),
    case("response-format-schema-name-space", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "response_format": {"type": "json_schema", "json_schema": {"name": "my reply"}}}, param="response_format.json_schema.name", reads=(RUNS,)),
    case("response-format-schema-not-object", "POST", "/assistants/{asst}", json={"response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": "any"}}}, param="response_format.json_schema.schema", reads=("/assistants/{asst}",)),
    case("file-search-options-string", "POST", "/assistants", json={"model": "gpt-4o", "tools": [{"type": "file_search", "file_search": "fast"}]}, param="tools[0].file_search", reads=(ASSISTANTS,)),
    case("file-search-51-results", "POST", "/assistants", json={"model": "gpt-4o", "tools": [{"type": "file_search", "file_search": {"max_num_results": 51}}]}, param="tools[0].file_search.max_num_results"),
    case("file-search-threshold-2", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "tools": [{"type": "file_search", "file_search": {"ranking_options": {"score_threshold": 2}}}]}, param="tools[0].file_search.ranking_options.score_threshold", reads=(RUNS,)),
    case("tool-choice-unknown", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "tool_choice": "sometimes"}, param="tool_choice", reads=(RUNS,)),
    case("tool-choice-missing-function", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "tool_choice": {"type": "function", "function": {"name": "launch"}}}, param="tool_choice", reads=(RUNS,)),
    case("limit-0", "GET", "/assistants", params={"limit": "0"}, param="limit"),
    case("limit-101", "GET", "/threads/{thread}/messages", params={"limit": "101"}, param="limit"),
    case("limit-word", "GET", "/files", params={"limit": "ten"}, param="limit"),
    case("order-sideways", "GET", "/threads/{thread}/runs", params={"order": "sideways"}, param="order"),
    case("steps-order-sideways", "GET", "/threads/{thread}/runs/{run}/steps", params={"order": "sideways"}, param="order"),
    # ---- rejected run creates add no additional_messages ----
    case("run-additional-message-then-bad-field", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "additional_messages": [USER], "top_p": 7}, param="top_p", reads=(RUNS, MESSAGES)),
    case("run-additional-messages-second-bad", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "additional_messages": [USER, {"role": "user", "content": 5}]}, param="additional_messages[1].content", reads=(RUNS, MESSAGES)),
    case("run-additional-message-unknown-file", "POST", "/threads/{thread}/runs", json={"assistant_id": "{asst}", "additional_messages": [USER, {**USER, "attachments": [{"file_id": "file-nope"}]}]}, status=404, word="file-nope", reads=(RUNS, MESSAGES)),
    case("run-on-locked-thread", "POST", "/threads/{waiting_thread}/runs", json={"assistant_id": "{asst}", "additional_messages": [USER]}, word="active run", reads=(WAITING_MESSAGES,)),
    case("message-on-locked-thread", "POST", "/threads/{waiting_thread}/messages", json=USER, word="while a run", reads=(WAITING_MESSAGES,)),
    case("create-and-run-second-message-bad", "POST", "/threads/runs", json={"assistant_id": "{asst}", "thread": {"messages": [USER, {"role": "robot", "content": "x"}]}}, param="thread.messages[1].role"),
    # ---- state errors ----
    case("submit-to-completed-run", "POST", "/threads/{thread}/runs/{run}/submit_tool_outputs", json={"tool_outputs": []}, word="completed", reads=("/threads/{thread}/runs/{run}",)),
    case("cancel-completed-run", "POST", "/threads/{thread}/runs/{run}/cancel", word="completed", reads=("/threads/{thread}/runs/{run}",)),
    # ---- uploads ----
    case("upload-missing-file", "POST", "/files", files={"purpose": (None, "assistants")}, param="file", reads=(FILES,)),
    case("upload-bad-purpose", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")}, data={"purpose": "homework"}, param="purpose", reads=(FILES,)),
    case("upload-output-purpose", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")}, data={"purpose": "assistants_output"}, param="purpose", reads=(FILES,)),
    case("upload-missing-purpose", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")}, param="purpose", reads=(FILES,)),
    case("upload-json", "POST", "/files", json={"file": "abc", "purpose": "assistants"}, status=415, word="multipart", reads=(FILES,)),
    case("upload-expires-3599", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")},
         data={"purpose": "assistants", "expires_after[anchor]": "created_at", "expires_after[seconds]": "3599"}, param="expires_after.seconds", reads=(FILES,)),
    case("upload-expires-31-days", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")},
         data={"purpose": "assistants", "expires_after[anchor]": "created_at", "expires_after[seconds]": "2678400"}, param="expires_after.seconds", reads=(FILES,)),
    case("upload-expires-word", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")},
         data={"purpose": "assistants", "expires_after[anchor]": "created_at", "expires_after[seconds]": "soon"}, param="expires_after.seconds", reads=(FILES,)),
    case("upload-expires-anchor", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")},
         data={"purpose": "assistants", "expires_after[anchor]": "last_active_at", "expires_after[seconds]": "3600"}, param="expires_after.anchor", reads=(FILES,)),
    case("upload-expires-seconds-only", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")},
         data={"purpose": "assistants", "expires_after[seconds]": "3600"}, param="expires_after.anchor", reads=(FILES,)),
    case("upload-expires-json-field", "POST", "/files", files={"file": ("a.txt", b"abc", "text/plain")},
         data={"purpose": "assistants", "expires_after": '{"anchor": "created_at", "seconds": 3600}'}, param="expires_after", reads=(FILES,)),
    case("upload-truncated-multipart", "POST", "/files", content=b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc",
         headers={"content-type": "multipart/form-data; boundary=xyz"}, reads=(FILES,), param="purpose"),
    case("upload-multipart-without-boundary", "POST", "/files", content=b"--xyz\r\n\r\nabc",
         headers={"content-type": "multipart/form-data"}, reads=(FILES,), word="multipart"),
    # ---- vector stores ----
    case("vs-name-int", "POST", "/vector_stores", json={"name": 3}, param="name", reads=(VECTOR_STORES,)),
    case("vs-unknown-field", "POST", "/vector_stores", json={"name": "x", "file_id": "{file}"}, param="file_id", reads=(VECTOR_STORES,)),
    case("vs-file-ids-string", "POST", "/vector_stores", json={"file_ids": "{file}"}, param="file_ids", reads=(VECTOR_STORES,)),
    case("vs-file-ids-ints", "POST", "/vector_stores", json={"file_ids": [1]}, param="file_ids", reads=(VECTOR_STORES,)),
    case("vs-file-ids-501", "POST", "/vector_stores", json={"file_ids": [f"file-{i}" for i in range(501)]}, param="file_ids", reads=(VECTOR_STORES,)),
    case("vs-unknown-file", "POST", "/vector_stores", json={"name": "x", "file_ids": ["{file}", "file-nope"]}, status=404, word="file-nope", reads=(VECTOR_STORES,)),
    case("vs-expires-string", "POST", "/vector_stores", json={"expires_after": "soon"}, param="expires_after", reads=(VECTOR_STORES,)),
    case("vs-description-513", "POST", "/vector_stores", json={"description": LONG * 513}, param="description", reads=(VECTOR_STORES,)),
    case("vs-description-number", "POST", "/vector_stores", json={"description": 7}, param="description", reads=(VECTOR_STORES,)),
    case("vs-expires-anchor", "POST", "/vector_stores", json={"expires_after": {"anchor": "created_at", "days": 1}}, param="expires_after.anchor"),
    case("vs-expires-days-0", "POST", "/vector_stores", json={"expires_after": {"anchor": "last_active_at", "days": 0}}, param="expires_after.days"),
    case("vs-expires-days-366", "POST", "/vector_stores", json={"expires_after": {"anchor": "last_active_at", "days": 366}}, param="expires_after.days"),
    case("vs-expires-unknown-key", "POST", "/vector_stores", json={"expires_after": {"anchor": "last_active_at", "days": 1, "hours": 2}}, param="expires_after.hours"),
    case("vs-chunking-string", "POST", "/vector_stores", json={"chunking_strategy": "auto"}, param="chunking_strategy", reads=(VECTOR_STORES,)),
    case("vs-chunking-type", "POST", "/vector_stores", json={"chunking_strategy": {"type": "semantic"}}, param="chunking_strategy.type"),
    case("vs-chunking-missing-static", "POST", "/vector_stores", json={"chunking_strategy": {"type": "static"}}, param="chunking_strategy.static"),
    case("vs-chunking-99", "POST", "/vector_stores", json={"file_ids": ["{file}"], "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 99, "chunk_overlap_tokens": 0}}},
         param="chunking_strategy.static.max_chunk_size_tokens", reads=(VECTOR_STORES,)),
    case("vs-chunking-4097", "POST", "/vector_stores", json={"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 4097, "chunk_overlap_tokens": 0}}},
         param="chunking_strategy.static.max_chunk_size_tokens"),
    case("vs-chunking-overlap-over-half", "POST", "/vector_stores", json={"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 401}}},
         param="chunking_strategy.static.chunk_overlap_tokens"),
    case("vs-chunking-auto-extra", "POST", "/vector_stores", json={"chunking_strategy": {"type": "auto", "static": {}}}, param="chunking_strategy.static"),
    case("vs-metadata-17", "POST", "/vector_stores", json={"metadata": metadata(keys=17, key_len=3)}, param="metadata", reads=(VECTOR_STORES,)),
    case("vs-update-name-int", "POST", VS, json={"name": 5}, param="name", reads=(VS,)),
    case("vs-update-file-ids", "POST", VS, json={"file_ids": []}, param="file_ids", reads=(VS, VS_FILES)),
    case("vs-update-valid-then-invalid", "POST", VS, json={"name": "Changed", "expires_after": {"anchor": "last_active_at", "days": 0}}, param="expires_after.days", reads=(VS,)),
    case("vs-update-description-513", "POST", VS, json={"description": LONG * 513}, param="description", reads=(VS,)),
    case("unknown-vs", "GET", "/vector_stores/vs_nope", status=404, word="vs_nope"),
    case("unknown-vs-update", "POST", "/vector_stores/vs_nope", json={"name": "x"}, status=404, word="vs_nope"),
    case("unknown-vs-delete", "DELETE", "/vector_stores/vs_nope", status=404, word="vs_nope", reads=(VECTOR_STORES,)),
    case("unknown-vs-files", "GET", "/vector_stores/vs_nope/files", status=404, word="vs_nope"),
    case("unknown-vs-add-file", "POST", "/vector_stores/vs_nope/files", json={"file_id": "{file}"}, status=404, word="vs_nope"),
    case("unknown-vs-search", "POST", "/vector_stores/vs_nope/search", json={"query": "x"}, status=404, word="vs_nope"),
    case("unknown-vs-batch", "POST", "/vector_stores/vs_nope/file_batches", json={"file_ids": ["{file}"]}, status=404, word="vs_nope"),
    case("vs-files-filter", "GET", "/vector_stores/{vs}/files", params={"filter": "done"}, param="filter"),
    case("vs-files-limit-0", "GET", "/vector_stores/{vs}/files", params={"limit": "0"}, param="limit"),
    case("vs-list-order", "GET", "/vector_stores", params={"order": "up"}, param="order"),
    # ---- vector-store files ----
    case("vs-file-missing-file-id", "POST", "/vector_stores/{vs}/files", json={}, param="file_id", reads=(VS_FILES, VS)),
    case("vs-file-id-int", "POST", "/vector_stores/{vs}/files", json={"file_id": 7}, param="file_id", reads=(VS_FILES,)),
    case("vs-file-unknown-file", "POST", "/vector_stores/{vs}/files", json={"file_id": "file-nope"}, status=404, word="file-nope", reads=(VS_FILES, VS)),
    case("vs-file-unknown-field", "POST", "/vector_stores/{vs}/files", json={"file_id": "{file}", "purpose": "x"}, param="purpose", reads=(VS_FILES,)),
    case("vs-file-attributes-17", "POST", "/vector_stores/{vs}/files", json={"file_id": "{file}", "attributes": {f"k{i}": i for i in range(17)}}, param="attributes", reads=(VS_FILES,)),
    case("vs-file-attributes-object", "POST", "/vector_stores/{vs}/files", json={"file_id": "{file}", "attributes": {"a": {"b": 1}}}, param="attributes.a", reads=(VS_FILES,)),
    case("vs-file-attributes-null-value", "POST", "/vector_stores/{vs}/files", json={"file_id": "{file}", "attributes": {"a": None}}, param="attributes.a"),
    case("vs-file-attributes-513", "POST", "/vector_stores/{vs}/files", json={"file_id": "{file}", "attributes": {"k": "v" * 513}}, param="attributes.k"),
    case("vs-file-attributes-key-65", "POST", "/vector_stores/{vs}/files", json={"file_id": "{file}", "attributes": {"k" * 65: 1}}, param="attributes"),
    case("vs-file-chunking-negative-overlap", "POST", "/vector_stores/{vs}/files",
         json={"file_id": "{file}", "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": -1}}},
         param="chunking_strategy.static.chunk_overlap_tokens", reads=(VS_FILES,)),
    case("unknown-vs-file", "GET", "/vector_stores/{vs}/files/file-nope", status=404, word="file-nope"),
    case("vs-file-of-another-store", "GET", "/vector_stores/{other_vs}/files/{file}", status=404, word="{file}"),
    case("vs-file-content-of-another-store", "GET", "/vector_stores/{other_vs}/files/{file}/content", status=404, word="{file}"),
    case("vs-file-update-missing-attributes", "POST", "/vector_stores/{vs}/files/{file}", json={}, param="attributes", reads=(VS_FILES,)),
    case("vs-file-update-attributes-list", "POST", "/vector_stores/{vs}/files/{file}", json={"attributes": []}, param="attributes", reads=(VS_FILES,)),
    case("vs-file-update-unknown-field", "POST", "/vector_stores/{vs}/files/{file}", json={"attributes": {}, "status": "failed"}, param="status", reads=(VS_FILES,)),
    case("vs-file-delete-unknown", "DELETE", "/vector_stores/{vs}/files/file-nope", status=404, word="file-nope", reads=(VS_FILES, VS)),
    case("vs-file-delete-of-another-store", "DELETE", "/vector_stores/{other_vs}/files/{file}", status=404, word="{file}", reads=(VS_FILES,)),
    # ---- file batches ----
    case("batch-missing-files", "POST", "/vector_stores/{vs}/file_batches", json={}, param="file_ids", reads=(VS_FILES, VS)),
    case("batch-empty-file-ids", "POST", "/vector_stores/{vs}/file_batches", json={"file_ids": []}, param="file_ids"),
    case("batch-2001-file-ids", "POST", "/vector_stores/{vs}/file_batches", json={"file_ids": [f"file-{i}" for i in range(2001)]}, param="file_ids"),
    case("batch-both-forms", "POST", "/vector_stores/{vs}/file_batches", json={"file_ids": ["{file}"], "files": [{"file_id": "{file}"}]}, param="files"),
    case("batch-files-item-without-id", "POST", "/vector_stores/{vs}/file_batches", json={"files": [{"attributes": {}}]}, param="files[0]"),
    case("batch-files-item-bad-chunking", "POST", "/vector_stores/{vs}/file_batches", json={"files": [{"file_id": "{file}", "chunking_strategy": {"type": "x"}}]},
         param="files[0].chunking_strategy.type"),
    case("batch-files-item-bad-attributes", "POST", "/vector_stores/{vs}/file_batches", json={"files": [{"file_id": "{file}", "attributes": {"a": [1]}}]},
         param="files[0].attributes.a"),
    case("batch-unknown-file", "POST", "/vector_stores/{vs}/file_batches", json={"file_ids": ["{file}", "file-nope"]}, status=404, word="file-nope", reads=(VS_FILES, VS)),
    case("unknown-batch", "GET", "/vector_stores/{vs}/file_batches/vsfb_nope", status=404, word="vsfb_nope"),
    case("batch-of-another-store", "GET", "/vector_stores/{other_vs}/file_batches/{batch}", status=404, word="{batch}"),
    case("batch-cancel-completed", "POST", "/vector_stores/{vs}/file_batches/{batch}/cancel", word="completed", reads=(BATCH, VS_FILES)),
    case("batch-files-filter", "GET", "/vector_stores/{vs}/file_batches/{batch}/files", params={"filter": "all"}, param="filter"),
    # ---- search ----
    case("search-missing-query", "POST", "/vector_stores/{vs}/search", json={}, param="query", reads=(VS,)),
    case("search-query-int", "POST", "/vector_stores/{vs}/search", json={"query": 5}, param="query", reads=(VS,)),
    case("search-query-empty-array", "POST", "/vector_stores/{vs}/search", json={"query": []}, param="query"),
    case("search-query-array-of-ints", "POST", "/vector_stores/{vs}/search", json={"query": ["a", 1]}, param="query"),
    case("search-51-results", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "max_num_results": 51}, param="max_num_results", reads=(VS,)),
    case("search-threshold-2", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "ranking_options": {"score_threshold": 2}}, param="ranking_options.score_threshold"),
    case("search-ranker", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "ranking_options": {"ranker": "best"}}, param="ranking_options.ranker"),
    case("search-ranking-unknown", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "ranking_options": {"boost": 2}}, param="ranking_options.boost"),
    case("search-rewrite-string", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "rewrite_query": "yes"}, param="rewrite_query"),
    case("search-filter-type", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "filters": {"type": "like", "key": "a", "value": "b"}}, param="filters.type"),
    case("search-filter-empty-and", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "filters": {"type": "and", "filters": []}}, param="filters.filters"),
    case("search-filter-in-scalar", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "filters": {"type": "in", "key": "a", "value": "b"}}, param="filters.value"),
    case("search-filter-nested-bad", "POST", "/vector_stores/{vs}/search",
         json={"query": "kept", "filters": {"type": "or", "filters": [{"type": "eq", "key": "a", "value": 1}, {"type": "eq", "value": 1}]}}, param="filters.filters[1].key"),
    case("search-unknown-field", "POST", "/vector_stores/{vs}/search", json={"query": "kept", "top_k": 3}, param="top_k", reads=(VS,)),
    # ---- vector stores in tool_resources, include[] on run steps ----
    case("assistant-unknown-vs", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"file_search": {"vector_store_ids": ["vs_nope"]}}}, status=404, word="vs_nope", reads=(ASSISTANTS,)),
    case("assistant-two-vs", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"file_search": {"vector_store_ids": ["{vs}", "{other_vs}"]}}},
         param="tool_resources.file_search.vector_store_ids", reads=(ASSISTANTS,)),
    case("assistant-update-unknown-vs", "POST", "/assistants/{asst}", json={"tool_resources": {"file_search": {"vector_store_ids": ["vs_nope"]}}}, status=404, word="vs_nope", reads=("/assistants/{asst}",)),
    case("assistant-inline-vs-unknown-file", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"file_search": {"vector_stores": [{"file_ids": ["file-nope"]}]}}},
         status=404, word="file-nope", reads=(ASSISTANTS, VECTOR_STORES)),
    case("assistant-inline-vs-bad-chunking", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"file_search": {"vector_stores": [
         {"file_ids": ["{file}"], "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 50, "chunk_overlap_tokens": 0}}}]}}},
         param="tool_resources.file_search.vector_stores[0].chunking_strategy.static.max_chunk_size_tokens", reads=(ASSISTANTS, VECTOR_STORES)),
    case("assistant-inline-vs-unknown-field", "POST", "/assistants", json={"model": "gpt-4o", "tool_resources": {"file_search": {"vector_stores": [{"file_ids": [], "name": "x"}]}}},
         param="tool_resources.file_search.vector_stores[0].name", reads=(VECTOR_STORES,)),
    case("thread-inline-vs-not-a-list", "POST", "/threads", json={"tool_resources": {"file_search": {"vector_stores": {"file_ids": []}}}},
         param="tool_resources.file_search.vector_stores", reads=(VECTOR_STORES,)),
    case("thread-inline-vs-and-id", "POST", "/threads", json={"messages": [USER], "tool_resources": {"file_search": {"vector_store_ids": ["{vs}"], "vector_stores": [{"file_ids": ["{file}"]}]}}},
         param="tool_resources.file_search.vector_store_ids", reads=(VECTOR_STORES,)),
    case("thread-update-inline-vs-file-ids-string", "POST", "/threads/{thread}", json={"tool_resources": {"file_search": {"vector_stores": [{"file_ids": "{file}"}]}}},
         param="tool_resources.file_search.vector_stores[0].file_ids", reads=("/threads/{thread}", VECTOR_STORES)),
    case("create-and-run-inline-vs-unknown-file", "POST", "/threads/runs", json={"assistant_id": "{asst}", "thread": {"messages": [USER],
         "tool_resources": {"file_search": {"vector_stores": [{"file_ids": ["file-nope"]}]}}}}, status=404, word="file-nope", reads=(VECTOR_STORES,)),
    case("create-and-run-inline-vs-unknown-assistant", "POST", "/threads/runs", json={"assistant_id": "asst_nope", "thread": {"messages": [USER]},
         "tool_resources": {"file_search": {"vector_stores": [{"file_ids": ["{file}"]}]}}}, status=404, word="asst_nope", reads=(VECTOR_STORES,)),
    case("thread-unknown-vs", "POST", "/threads", json={"tool_resources": {"file_search": {"vector_store_ids": ["vs_nope"]}}}, status=404, word="vs_nope"),
    case("thread-update-two-vs", "POST", "/threads/{thread}", json={"tool_resources": {"file_search": {"vector_store_ids": ["{vs}", "{other_vs}"]}}},
         param="tool_resources.file_search.vector_store_ids", reads=("/threads/{thread}",)),
    case("create-and-run-unknown-vs", "POST", "/threads/runs", json={"assistant_id": "{asst}", "thread": {"messages": [USER]}, "tool_resources": {"file_search": {"vector_store_ids": ["vs_nope"]}}},
         status=404, word="vs_nope"),
    case("file-search-attachment-on-locked-thread", "POST", "/threads/{waiting_thread}/messages", json={**USER, "attachments": [{"file_id": "{file}", "tools": [{"type": "file_search"}]}]},
         word="while a run", reads=(WAITING_MESSAGES, "/threads/{waiting_thread}")),
    case("steps-include-unknown", "GET", "/threads/{thread}/runs/{run}/steps", params={"include[]": "step_details.everything"}, param="include[]"),
    case("step-include-unknown", "GET", "/threads/{thread}/runs/{run}/steps/{step}", params={"include[]": "usage"}, param="include[]"),
    # ---- unknown URLs and wrong methods ----
    case("unknown-url", "GET", "/nope", status=404, word="URL"),
    case("unknown-nested-url", "POST", "/threads/{thread}/runs/{run}/restart", json={}, status=404, word="URL"),
    case("trailing-slash", "GET", "/assistants/", status=404, word="URL"),
    case("outside-v1", "GET", "@/assistants", status=404, word="/v1"),
    case("azure-without-api-version", "GET", "@/openai/assistants", param="api-version"),
    case("wrong-method-put", "PUT", "/assistants", json={"model": "gpt-4o"}, status=405, word="PUT", reads=(ASSISTANTS,)),
    case("wrong-method-patch-thread", "PATCH", "/threads/{thread}", json={"metadata": {}}, status=405, word="PATCH", reads=("/threads/{thread}",)),
    case("wrong-method-delete-run", "DELETE", "/threads/{thread}/runs/{run}", status=405, word="DELETE", reads=(RUNS,)),
    case("wrong-method-get-cancel", "GET", "/threads/{thread}/runs/{run}/cancel", status=405, word="GET"),
    case("wrong-method-delete-step", "DELETE", "/threads/{thread}/runs/{run}/steps/{step}", status=405, word="DELETE"),
    case("wrong-method-put-vs", "PUT", VS, json={"name": "x"}, status=405, word="PUT", reads=(VS,)),
    case("wrong-method-delete-batch", "DELETE", BATCH, status=405, word="DELETE", reads=(BATCH,)),
    case("wrong-method-get-search", "GET", "/vector_stores/{vs}/search", status=405, word="GET"),
]
# what no store can keep or no answer can carry (sent raw: JSON allows the escapes, the SDK can't send them);
# these run on PostgreSQL too (`test_on_postgres_...`): what a store refuses differs between stores
UNSTORABLE_CASES = [
    case("lone-high-surrogate-message", "POST", "/threads/{thread}/messages", content=b'{"role": "user", "content": "a\\ud800b"}', param="content", reads=(MESSAGES,)),
    case("lone-low-surrogate-name", "POST", "/assistants", content=b'{"model": "gpt-4o", "name": "\\udc00"}', param="name", reads=(ASSISTANTS,)),
    case("reversed-surrogate-pair", "POST", "/threads", content=b'{"metadata": {"k": "\\ude00\\ud83d"}}', param="metadata.k"),
    case("surrogate-in-metadata-key", "POST", "/threads/{thread}", content=b'{"metadata": {"\\ud800": "v"}}', param="metadata", reads=("/threads/{thread}",)),
    case("surrogate-in-thread-message", "POST", "/threads", content=b'{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\udbff"}]}]}', param="messages[0].content[0].text"),
    case("surrogate-in-additional-message", "POST", "/threads/{thread}/runs", content=b'{"assistant_id": "{asst}", "additional_messages": [{"role": "user", "content": "\\ud800"}]}',
         param="additional_messages[0].content", reads=(RUNS, MESSAGES)),
    case("surrogate-in-tool-output", "POST", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs",
         content=b'{"tool_outputs": [{"tool_call_id": "{call0}", "output": "\\ud800"}, {"tool_call_id": "{call1}", "output": "x"}]}', param="tool_outputs[0].output",
         reads=("/threads/{waiting_thread}/runs/{waiting_run}", "/threads/{waiting_thread}/runs/{waiting_run}/steps")),
    case("surrogate-in-instructions", "POST", "/assistants/{asst}", content=b'{"instructions": "ok \\ud800"}', param="instructions", reads=("/assistants/{asst}",)),
    case("surrogate-in-vector-store-name", "POST", "/vector_stores", content=b'{"name": "\\udfff"}', param="name", reads=(VECTOR_STORES,)),
    case("nul-in-message", "POST", "/threads/{thread}/messages", content=b'{"role": "user", "content": "a\\u0000b"}', param="content", reads=(MESSAGES,)),
    case("nul-in-metadata-key", "POST", "/assistants", content=b'{"model": "gpt-4o", "metadata": {"a\\u0000": "b"}}', param="metadata", reads=(ASSISTANTS,)),
    case("nul-in-run-metadata", "POST", "/threads/{thread}/runs/{run}", content=b'{"metadata": {"a": "\\u0000"}}', param="metadata.a", reads=("/threads/{thread}/runs/{run}",)),
    case("nan-in-function-schema", "POST", "/assistants", content=b'{"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "x": NaN}}}]}',
         word="NaN", reads=(ASSISTANTS,)),
    case("infinity-in-function-schema", "POST", "/assistants", content=b'{"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"minimum": -Infinity}}}]}',
         word="Infinity", reads=(ASSISTANTS,)),
    case("overflowing-number", "POST", "/assistants/{asst}", content=b'{"tools": [{"type": "function", "function": {"name": "f", "parameters": {"maximum": 1e999}}}]}',
         param="tools[0].function.parameters.maximum", reads=("/assistants/{asst}",)),
    case("nul-in-file-name", "POST", "/files", content=b'--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--xyz\r\n'
         b'Content-Disposition: form-data; name="file"; filename="a\x00b.txt"\r\n\r\nabc\r\n--xyz--\r\n', headers={"content-type": "multipart/form-data; boundary=xyz"},
         param="file", reads=(FILES,)),
]
CASES += UNSTORABLE_CASES + [
    # ---- nesting deeper than any honest body: a 400 on every JSON route, both under and over Python's recursion limit ----
    *(
        case(f"nested-{depth}-{name}", "POST", path, content=b'{"metadata": ' + b"[" * depth + b"]" * depth + b"}", word="nested", reads=reads)
        for depth in (100, 100_000)
        for name, path, reads in [
            ("assistant", "/assistants", (ASSISTANTS,)), ("assistant-update", "/assistants/{asst}", ("/assistants/{asst}",)),
            ("thread", "/threads", ()), ("thread-update", "/threads/{thread}", ("/threads/{thread}",)),
            ("message", "/threads/{thread}/messages", (MESSAGES,)), ("message-update", "/threads/{thread}/messages/{msg}", ("/threads/{thread}/messages/{msg}",)),
            ("run", "/threads/{thread}/runs", (RUNS, MESSAGES)), ("thread-and-run", "/threads/runs", ()),
            ("run-update", "/threads/{thread}/runs/{run}", ("/threads/{thread}/runs/{run}",)),
            ("tool-outputs", "/threads/{waiting_thread}/runs/{waiting_run}/submit_tool_outputs", ("/threads/{waiting_thread}/runs/{waiting_run}",)),
            ("vector-store", "/vector_stores", (VECTOR_STORES,)), ("vector-store-update", VS, (VS,)),
            ("vector-store-file", "/vector_stores/{vs}/files", (VS_FILES,)), ("file-batch", "/vector_stores/{vs}/file_batches", (VS_FILES,)),
            ("search", "/vector_stores/{vs}/search", ()),
        ]
    ),
]


# ---- the server and its world --------------------------------------------------------------------


@dataclass
class World:
    http: httpx2.Client
    root: httpx2.Client  # the same server without the /v1 prefix
    data_dir: Path
    ids: dict[str, str]
    database: str | None = None  # the PostgreSQL URL on the "postgres" store

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            for key, object_id in self.ids.items():
                value = value.replace("{" + key + "}", object_id)
            return value
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        return value

    def storage(self) -> tuple[dict[str, str], list[str]]:
        """Every stored object (id -> JSON) and every file on disk under the data dir."""
        if self.database is not None:
            import psycopg

            with psycopg.connect(self.database) as conn:
                rows = dict(conn.execute("SELECT id, data::text FROM objects").fetchall())
        else:
            db = sqlite3.connect(f"file:{self.data_dir / 'assistants.sqlite3'}?mode=ro", uri=True)
            try:
                rows = dict(db.execute("SELECT id, data FROM objects").fetchall())
            finally:
                db.close()
        files = sorted(str(p.relative_to(self.data_dir)) for p in (self.data_dir / "files").rglob("*"))
        return rows, files

    def read(self, path: str) -> Any:
        response = self.http.get(self.fill(path))
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from _world(tmp_path_factory, {})


@pytest.fixture(scope="module")
def pg_world(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[World]:
    """The same world on the PostgreSQL store, for the cases where the stores differ (what they can keep)."""
    yield from _world(tmp_path_factory, store_overrides(request, "postgres"))


def _world(tmp_path_factory: pytest.TempPathFactory, on_store: dict[str, Any]) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("bad-input")
    server = start_server(ServerConfig(data_dir=data_dir, port=0, demo_delay_ms=0, **on_store))
    http = httpx2.Client(base_url=server.base_url, timeout=30)
    root = httpx2.Client(base_url=server.base_url[: -len("/v1")], timeout=30)
    try:
        yield World(http, root, data_dir, _build_world(http), on_store.get("database"))
    finally:
        http.close()
        root.close()
        server.stop()


def _ok(response: httpx2.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _settle(http: httpx2.Client, thread_id: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while (run := _ok(http.get(f"/threads/{thread_id}/runs/{run_id}")))["status"] in ("queued", "in_progress", "cancelling"):
        assert time.monotonic() < deadline, run["status"]
        time.sleep(0.02)
    return run


def _build_world(http: httpx2.Client) -> dict[str, str]:
    asst = _ok(http.post("/assistants", json={"model": "gpt-4o", "name": "Original", "tools": [
        {"type": "code_interpreter"}, function_tool("get_weather"), function_tool("get_time")]}))
    thread = _ok(http.post("/threads", json={"messages": [{"role": "user", "content": "hello"}], "metadata": {"kept": "yes"}}))
    msg = _ok(http.get(f"/threads/{thread['id']}/messages"))["data"][0]
    run = _settle(http, thread["id"], _ok(http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": asst["id"]}))["id"])
    assert run["status"] == "completed"
    step = _ok(http.get(f"/threads/{thread['id']}/runs/{run['id']}/steps"))["data"][0]
    other = _ok(http.post("/threads", json={"messages": [{"role": "user", "content": "elsewhere"}]}))
    waiting_thread = _ok(http.post("/threads", json={"messages": [{"role": "user", "content": 'get_weather {"city": "Oslo"} get_time {}'}]}))
    waiting = _settle(http, waiting_thread["id"], _ok(http.post(f"/threads/{waiting_thread['id']}/runs", json={"assistant_id": asst["id"]}))["id"])
    assert waiting["status"] == "requires_action"
    calls = waiting["required_action"]["submit_tool_outputs"]["tool_calls"]
    file = _ok(http.post("/files", files={"file": ("kept.txt", b"kept", "text/plain")}, data={"purpose": "assistants"}))
    vs = _ok(http.post("/vector_stores", json={"name": "Kept", "file_ids": [file["id"]]}))
    other_vs = _ok(http.post("/vector_stores", json={"name": "Other"}))
    batch = _ok(http.post(f"/vector_stores/{vs['id']}/file_batches", json={"file_ids": [file["id"]]}))
    deadline = time.monotonic() + 20
    while _ok(http.get(f"/vector_stores/{vs['id']}/file_batches/{batch['id']}"))["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return {
        "vs": vs["id"], "other_vs": other_vs["id"], "batch": batch["id"],
        "asst": asst["id"], "thread": thread["id"], "msg": msg["id"], "run": run["id"], "step": step["id"],
        "other_thread": other["id"], "waiting_thread": waiting_thread["id"], "waiting_run": waiting["id"],
        "call0": calls[0]["id"], "call1": calls[1]["id"], "file": file["id"],
    }


# ---- the tests -----------------------------------------------------------------------------------


def _send(world: World, c: Case) -> httpx2.Response:
    client = world.root if c.path.startswith("@") else world.http
    kwargs: dict[str, Any] = {"params": c.params, "headers": c.headers}
    if c.json is not None:
        kwargs["json"] = world.fill(c.json)
    elif c.content is not None:
        kwargs["content"] = world.fill(c.content.decode("latin-1")).encode("latin-1")
        kwargs["headers"] = {"content-type": "application/json", **c.headers}
    if c.files is not None:
        kwargs["files"] = c.files
    if c.data is not None:
        kwargs["data"] = c.data
    return client.request(c.method, world.fill(c.path.lstrip("@")), **kwargs)


@pytest.mark.parametrize("c", CASES)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(world: World, c: Case) -> None:
    _check_refused(world, c)


@pytest.mark.parametrize("c", UNSTORABLE_CASES)
def test_on_postgres_text_no_store_can_keep_is_a_clear_4xx_and_writes_nothing(pg_world: World, c: Case) -> None:
    _check_refused(pg_world, c)


def _check_refused(world: World, c: Case) -> None:
    assert c.param or c.word, "a case must say how the error names the problem"
    before = world.storage()
    views = {path: world.read(path) for path in c.reads}

    response = _send(world, c)

    assert response.status_code == c.status, f"{response.status_code} {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    problems = Spec.errors(load_spec().component("ErrorResponse"), body)
    assert not problems, problems
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["message"]
    if c.param is not None:
        assert error["param"] == c.param, error
    if c.word is not None:
        assert world.fill(c.word).lower() in error["message"].lower(), error

    assert world.storage() == before, "a rejected request changed the stored objects or files"
    for path, view in views.items():
        assert world.read(path) == view, f"{path} changed after a rejected request"


def test_the_world_survived(world: World) -> None:
    """After all the bad input, the objects the cases aimed at still read back as created."""
    assert world.read("/assistants/{asst}")["name"] == "Original"
    assert world.read("/threads/{thread}")["metadata"] == {"kept": "yes"}
    assert [m["id"] for m in world.read("/threads/{thread}/messages")["data"]][-1] == world.ids["msg"]
    assert world.read("/threads/{waiting_thread}/runs/{waiting_run}")["status"] == "requires_action"
    assert world.http.get(world.fill("/files/{file}/content")).content == b"kept"
    assert [r["file_id"] for r in world.http.post(world.fill("/vector_stores/{vs}/search"), json={"query": "kept"}).json()["data"]] == [world.ids["file"]]


# ---- the limits themselves are accepted ----------------------------------------------------------


@pytest.mark.parametrize(
    "path, body",
    [
        pytest.param("/assistants", {"model": "gpt-4o", "name": LONG * 256, "description": LONG * 512, "instructions": LONG * 256_000,
                                     "metadata": {f"{'k' * 61}{i:03d}": "v" * 512 for i in range(16)},
                                     "tools": [function_tool(f"{'f' * 61}{i:03d}") for i in range(128)],
                                     "temperature": 2, "top_p": 0}, id="assistant-at-every-limit"),
        pytest.param("/threads", {"metadata": {f"k{i}": "v" for i in range(16)}, "messages": [{"role": "user", "content": LONG * 1000}]}, id="thread-16-keys"),
        pytest.param("/threads/runs", {"assistant_id": "{asst}", "max_prompt_tokens": 256, "max_completion_tokens": 256,
                                       "thread": {"messages": [{"role": "user", "content": "hi"}]}}, id="run-token-minimums"),
    ],
)
@pytest.mark.parametrize("on", ["world", "pg_world"])
def test_values_at_the_limits_are_accepted(on: str, path: str, body: dict[str, Any], request: pytest.FixtureRequest) -> None:
    world: World = request.getfixturevalue(on)
    response = world.http.post(path, json=world.fill(body))
    assert response.status_code == 200, response.text[:500]
    created = response.json()
    if created["object"] == "thread.run":
        _settle(world.http, created["thread_id"], created["id"])
    elif created["object"] == "assistant":
        assert len(created["tools"]) == 128 and len(created["metadata"]) == 16


# ---- a sweep of wrong-typed values through every field: never a 500, never a non-conformant object -----

JUNK = [None, 0, -1, 1.5, True, "", "s", "x" * 300, [], {}, [None], [1], ["s"], [{}], [[]], {"a": 1}, {"type": "x"},
        {"type": "function"}, {"type": "function", "function": "x"}, {"type": "function", "function": {"name": 3}},
        {"type": "json_schema", "json_schema": 3}, {"type": "last_messages", "last_messages": True},
        {"code_interpreter": {"file_ids": "x"}}, {"code_interpreter": {"file_ids": [1]}}, {"file_search": []},
        [{"type": "function", "function": {"name": "f", "parameters": "x"}}], [{"type": "file_search", "file_search": {"max_num_results": "x"}}],
        [{"type": "text"}], [{"type": "text", "text": 3}], [{"type": "image_file", "image_file": "x"}],
        [{"type": "image_url", "image_url": {"url": 3}}], [{"file_id": "x", "tools": "y"}], [{"file_id": 3}],
        [{"role": "user"}], [{"role": "user", "content": [{"type": "text", "text": "ok"}], "metadata": []}],
        {"messages": [{"role": "user", "content": 1}]}, {"messages": "x"}]

SWEEP = {
    # name: (path, spec path template, base body, fields)
    "create-assistant": ("/assistants", "/assistants", {"model": "gpt-4o"},
                         ["model", "name", "description", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p", "response_format"]),
    "update-assistant": ("/assistants/{own_asst}", "/assistants/{assistant_id}", {},
                         ["model", "name", "tools", "tool_resources", "metadata", "temperature", "top_p", "response_format"]),
    "create-thread": ("/threads", "/threads", {}, ["messages", "tool_resources", "metadata"]),
    "update-thread": ("/threads/{own_thread}", "/threads/{thread_id}", {}, ["tool_resources", "metadata"]),
    "create-message": ("/threads/{own_thread}/messages", "/threads/{thread_id}/messages", {"role": "user", "content": "x"},
                       ["role", "content", "attachments", "metadata"]),
    "update-message": ("/threads/{own_thread}/messages/{own_msg}", "/threads/{thread_id}/messages/{message_id}", {}, ["metadata"]),
    "update-run": ("/threads/{own_thread}/runs/{own_run}", "/threads/{thread_id}/runs/{run_id}", {}, ["metadata"]),
    "create-vector-store": ("/vector_stores", "/vector_stores", {}, ["name", "description", "file_ids", "expires_after", "chunking_strategy", "metadata"]),
    "update-vector-store": ("/vector_stores/{own_vs}", "/vector_stores/{vector_store_id}", {}, ["name", "description", "expires_after", "metadata"]),
    "add-vector-store-file": ("/vector_stores/{own_vs}/files", "/vector_stores/{vector_store_id}/files", {"file_id": "{own_file}"},
                              ["file_id", "chunking_strategy", "attributes"]),
    "update-vector-store-file": ("/vector_stores/{own_vs}/files/{own_file}", "/vector_stores/{vector_store_id}/files/{file_id}", {"attributes": {}}, ["attributes"]),
    "create-file-batch": ("/vector_stores/{own_vs}/file_batches", "/vector_stores/{vector_store_id}/file_batches", {},
                          ["file_ids", "files", "chunking_strategy", "attributes"]),
    "search": ("/vector_stores/{own_vs}/search", "/vector_stores/{vector_store_id}/search", {"query": "hi"},
               ["query", "max_num_results", "filters", "ranking_options", "rewrite_query"]),
    "create-thread-and-run": ("/threads/runs", "/threads/runs", {"assistant_id": "{own_asst}"},
                              ["assistant_id", "thread", "model", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p",
                               "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format"]),
}


@pytest.fixture(scope="module")
def sweep_ids(world: World) -> dict[str, str]:
    http = world.http
    asst = _ok(http.post("/assistants", json={"model": "gpt-4o", "tools": [function_tool("f")]}))
    thread = _ok(http.post("/threads", json={"messages": [{"role": "user", "content": "hi"}]}))
    run = _settle(http, thread["id"], _ok(http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": asst["id"]}))["id"])
    msg = _ok(http.get(f"/threads/{thread['id']}/messages"))["data"][0]
    own_file = _ok(http.post("/files", files={"file": ("own.txt", b"hi there", "text/plain")}, data={"purpose": "assistants"}))
    vs = _ok(http.post("/vector_stores", json={"file_ids": [own_file["id"]]}))
    return {"own_asst": asst["id"], "own_thread": thread["id"], "own_msg": msg["id"], "own_run": run["id"], "own_vs": vs["id"], "own_file": own_file["id"]}


@pytest.mark.parametrize("operation", list(SWEEP))
def test_wrong_types_anywhere_never_500(world: World, sweep_ids: dict[str, str], operation: str) -> None:
    path, template, base, fields = SWEEP[operation]
    path = world.fill(path)
    for key, value in sweep_ids.items():
        path = path.replace("{" + key + "}", value)
        base = {k: (v.replace("{" + key + "}", value) if isinstance(v, str) else v) for k, v in base.items()}
    spec = load_spec()
    ok_schema = spec.response(template, "post")
    error_schema = spec.component("ErrorResponse")
    runs: list[dict[str, Any]] = []
    for field_name in fields:
        for junk in JUNK:
            response = world.http.post(path, json={**base, field_name: junk})
            where = f"POST {path} {field_name}={json.dumps(junk)[:80]}"
            assert response.status_code in (200, 400, 404), f"{where}: {response.status_code} {response.text[:300]}"
            body = response.json()
            problems = Spec.errors(ok_schema if response.status_code == 200 else error_schema, body)
            assert not problems, f"{where}: the answer violates the spec: {problems}"
            if response.status_code == 200 and body.get("object") == "thread.run":
                runs.append(body)
    for run in runs:  # leave nothing running for the other tests' storage snapshots
        if _settle(world.http, run["thread_id"], run["id"])["status"] == "requires_action":
            _ok(world.http.post(f"/threads/{run['thread_id']}/runs/{run['id']}/cancel"))
