"""What an engine sees and does during one run: read the thread, write messages, call tools."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import objects
from ..core.ids import new_id
from ..tools import file_search as fs
from .annotations import Sources
from .open_message import OpenMessage
from .outcomes import RunFailed, RunIncomplete, estimate_tokens

if TYPE_CHECKING:
    from ..storage.interface import FileBytes, ObjectStore
    from ..tools.sandbox import Sandbox
    from ..tools.vector_stores import VectorStores
    from .events import EventBus

MESSAGE_FLUSH_SECONDS = 1.0
VECTOR_STORE_WAIT_SECONDS = 60  # as the hosted API: a run waits this long for its files still being indexed
INCOMPLETE_MESSAGE_REASON = {
    "cancelled": "run_cancelled",
    "expired": "run_expired",
    "failed": "run_failed",
    "completed": "max_tokens",
}


@dataclass(frozen=True)
class RunServices:
    """What a run's context works with: its project's objects and vector stores, the server's bytes, bus and sandbox."""

    project: str
    store: ObjectStore
    files: FileBytes
    bus: EventBus
    sandbox: Sandbox
    vector_stores: VectorStores
    delay: float  # seconds of one unit of an engine's pace (the demo engine's per word)


class RunContext:
    def __init__(self, services: RunServices, run: dict[str, Any]) -> None:
        self._services = services
        self._store = services.store
        self._bus = services.bus
        self.run = run
        self.delay = services.delay
        self.generated_files: list[dict[str, Any]] = []  # non-image files the code interpreter wrote
        self.generated_images: list[str] = []  # image file ids the code interpreter made, for the next message
        self._written: dict[str, str] = {}  # file name -> id of every file the code interpreter wrote (links to them are annotated)
        previous = run.get("usage") or {}
        self._prompt_tokens = previous.get("prompt_tokens", 0)
        self._completion_tokens = previous.get("completion_tokens", 0)
        self._open: OpenMessage | None = None
        self._flushed_at = 0.0
        self._tool_step: dict[str, Any] | None = None
        self._function_calls: list[dict[str, Any]] = []  # this turn's function calls (in the tool step), awaiting outputs
        self.real_usage = False  # the engine reports the model's usage (add_usage): no estimates, no budget check in write

    # ---- reading ------------------------------------------------------------------------------

    @property
    def project(self) -> str:
        return self._services.project

    @property
    def store(self) -> ObjectStore:
        """The objects of the run's project (the only ones the run may see)."""
        return self._store

    @property
    def run_id(self) -> str:
        return self.run["id"]

    @property
    def thread_id(self) -> str:
        return self.run["thread_id"]

    async def assistant(self) -> dict[str, Any]:
        return await self._store.get("assistant", self.run["assistant_id"]) or {"id": self.run["assistant_id"], "name": None, "tool_resources": {}}

    async def thread(self) -> dict[str, Any]:
        return await self._store.get("thread", self.thread_id) or {"tool_resources": {}}

    async def messages(self) -> list[dict[str, Any]]:
        return await self._store.children("message", self.thread_id)

    async def steps(self) -> list[dict[str, Any]]:
        return await self._store.children("step", self.run_id)

    async def message(self, message_id: str) -> dict[str, Any] | None:
        """A message of this thread by id (None once deleted)."""
        return await self._store.get("message", message_id, self.thread_id)

    def tool_types(self) -> set[str]:
        return {tool["type"] for tool in self.run["tools"]}

    async def vector_store_ids(self) -> list[str]:
        """The vector stores file_search searches: the assistant's, then the thread's."""
        ids: list[str] = []
        for owner in (await self.assistant(), await self.thread()):
            ids += ((owner.get("tool_resources") or {}).get("file_search") or {}).get("vector_store_ids", [])
        return list(dict.fromkeys(ids))

    @property
    def required_calls(self) -> list[dict[str, Any]]:
        """The function calls the client must answer (the run's required_action), none if the turn made none."""
        return [{"id": c["id"], "type": "function", "function": {"name": c["function"]["name"], "arguments": c["function"]["arguments"]}}
                for c in self._function_calls]

    def function_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.run["tools"] if t["type"] == "function"]

    async def submitted_function_calls(self) -> list[dict[str, Any]]:
        """Function calls of this run that have outputs (the run was resumed after submit)."""
        calls = []
        for step in await self.steps():
            if step["type"] == "tool_calls":
                calls += [c for c in step["step_details"]["tool_calls"] if c["type"] == "function" and c["function"]["output"] is not None]
        return calls

    def add_prompt_tokens(self, count: int) -> None:
        self._prompt_tokens += count

    async def add_usage(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Count a model call's real usage into the run and the step it produced (open tool step, else message step)."""
        self._prompt_tokens += prompt_tokens
        self._completion_tokens += completion_tokens
        step = self._tool_step or (self._open.step if self._open else None)
        if step is not None:
            counted = step.get("usage") or objects.usage(0, 0)
            step["usage"] = objects.usage(counted["prompt_tokens"] + prompt_tokens, counted["completion_tokens"] + completion_tokens)
            await self._store.put(step)

    def usage(self) -> dict[str, int]:
        return objects.usage(self._prompt_tokens, self._completion_tokens)

    async def pace(self) -> None:
        """Wait one unit of the engine's pace; always yields so cancel and other requests get through."""
        await asyncio.sleep(self.delay)

    # ---- messages -----------------------------------------------------------------------------

    async def begin_message(self) -> None:
        """Open an assistant message; images the code interpreter made come first in it, as the hosted API put them.

        The tool step closes first, unless it holds function calls awaiting outputs: it stays open before the message.
        """
        if not self._function_calls:
            await self.close_tool_step()
        message = objects.message(
            self.thread_id, "assistant", [], assistant_id=self.run["assistant_id"], run_id=self.run_id, status="in_progress"
        )
        step = objects.run_step(self.run, "message_creation", {"type": "message_creation", "message_creation": {"message_id": message["id"]}})
        await self._store.insert("step", step, parent=self.run_id)
        self._publish("thread.run.step.created", step)
        self._publish("thread.run.step.in_progress", step)
        await self._store.insert("message", message, parent=self.thread_id)
        self._publish("thread.message.created", message)
        self._publish("thread.message.in_progress", message)
        self._open = OpenMessage(message, step, self.generated_images, Sources(self._written, fs.result_file_ids(await self.steps())))
        self.generated_images = []
        self._flushed_at = time.monotonic()
        if self._open.images:
            self._message_delta(message, self._open.image_parts())

    async def write(self, text: str) -> None:
        """Append text to the open message and stream it as a delta; over budget ends the run incomplete.

        Links to files the code interpreter wrote and citations of file_search results travel with their annotations.
        """
        if self._open is None:
            await self.begin_message()
        if not self.real_usage:
            cost = estimate_tokens(text)
            limit = self.run.get("max_completion_tokens")
            if limit is not None and self._completion_tokens + cost > limit:
                raise RunIncomplete("max_completion_tokens")
            self._completion_tokens += cost
        opened = self._open
        assert opened is not None
        part = opened.add(text)
        if part is not None:
            self._message_delta(opened.message, [part])
        if time.monotonic() - self._flushed_at > MESSAGE_FLUSH_SECONDS:
            opened.sync()
            await self._store.put(opened.message)
            self._flushed_at = time.monotonic()

    async def end_message(self) -> None:
        opened = self._settle_open_text()
        if opened is None:
            return
        opened.message["status"] = "completed"
        opened.message["completed_at"] = objects.now()
        await self._store.put(opened.message)
        self._publish("thread.message.completed", opened.message)
        await self._finish_step(opened.step, "completed")
        self._open = None

    def _settle_open_text(self) -> OpenMessage | None:
        """Send what the open message holds back and sync it (it stays open until its end is stored); None if none."""
        opened = self._open
        if opened is not None:
            part = opened.flush()
            if part is not None:
                self._message_delta(opened.message, [part])
            opened.sync()
        return opened

    def _message_delta(self, message: dict[str, Any], parts: list[dict[str, Any]]) -> None:
        if self._bus.has_listeners(self.run_id):
            self._bus.publish(self.run_id, "thread.message.delta", {"id": message["id"], "object": "thread.message.delta", "delta": {"content": parts}})

    # ---- tool calls ---------------------------------------------------------------------------

    async def _ensure_tool_step(self) -> dict[str, Any]:
        if self._open is not None:
            await self.end_message()
        if self._tool_step is None:
            step = objects.run_step(self.run, "tool_calls", {"type": "tool_calls", "tool_calls": []})
            await self._store.insert("step", step, parent=self.run_id)
            self._publish("thread.run.step.created", step)
            self._publish("thread.run.step.in_progress", step)
            self._tool_step = step
        return self._tool_step

    async def close_tool_step(self) -> None:
        if self._tool_step is not None:
            await self._finish_step(self._tool_step, "completed")
            self._tool_step = None

    def _step_delta(self, step: dict[str, Any], call_delta: dict[str, Any]) -> None:
        if self._bus.has_listeners(self.run_id):
            self._bus.publish(
                self.run_id,
                "thread.run.step.delta",
                {"id": step["id"], "object": "thread.run.step.delta", "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call_delta]}}},
            )

    async def code_interpreter(self, code: str) -> tuple[dict[str, Any], Any]:
        """Stream `code` as a code_interpreter call, run it in the thread's sandbox; (tool call, ExecResult)."""
        call = await self.open_code_call()
        for line in code.splitlines(keepends=True):
            await self.append_code(call, line)
            await self.pace()
        return await self.run_code_call(call)

    async def open_code_call(self) -> dict[str, Any]:
        """Start a code_interpreter call with no input yet in the tool step (append_code, then run_code_call)."""
        step = await self._ensure_tool_step()
        calls = step["step_details"]["tool_calls"]
        call = {"id": new_id("call"), "type": "code_interpreter", "code_interpreter": {"input": "", "outputs": []}}
        calls.append(call)
        self._step_delta(step, {"index": len(calls) - 1, "id": call["id"], "type": "code_interpreter", "code_interpreter": {"input": "", "outputs": []}})
        return call

    async def append_code(self, call: dict[str, Any], text: str) -> None:
        """Stream more input into a code_interpreter call of the open tool step."""
        step = await self._ensure_tool_step()
        call["code_interpreter"]["input"] += text
        self._step_delta(step, {"index": _index_of(step, call), "type": "code_interpreter", "code_interpreter": {"input": text}})

    async def run_code_call(self, call: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        """Run a code_interpreter call's input in the thread's sandbox; its outputs land in the step."""
        step = await self._ensure_tool_step()
        index = _index_of(step, call)
        code = call["code_interpreter"]["input"]
        await self._store.put(step)
        result = await self._services.sandbox.execute(self.thread_id, code, await self.code_interpreter_files())
        outputs: list[dict[str, Any]] = []
        if result.logs:
            outputs.append({"type": "logs", "logs": result.logs})
        for path in result.files:
            stored = await self._store_output_file(path)
            self._written[path.name] = stored["id"]
            if path.suffix.lower() == ".png":
                outputs.append({"type": "image", "image": {"file_id": stored["id"]}})
                self.generated_images.append(stored["id"])
            else:
                self.generated_files.append(stored)
        call["code_interpreter"]["outputs"] = outputs
        if outputs:
            self._step_delta(
                step,
                {"index": index, "type": "code_interpreter", "code_interpreter": {"outputs": [dict(o, index=i) for i, o in enumerate(outputs)]}},
            )
        await self._store.put(step)
        return call, result

    async def wait_for_file_search(self) -> None:
        """Before the engine's turn: with file_search on, wait (up to a minute) for files still being indexed."""
        if "file_search" in self.tool_types():
            await self._services.vector_stores.wait_ready(await self.vector_store_ids(), VECTOR_STORE_WAIT_SECONDS)

    async def file_search(self, query: str, max_results: int = fs.DEFAULT_MAX_RESULTS) -> list[dict[str, Any]]:
        """Search the assistant's and the thread's vector stores as a file_search call of the tool step.

        The results, best first, as {file_id, file_name, score, text}; the run's file_search tool settings
        (max_num_results, ranking_options.score_threshold) apply. An expired vector store fails the run.
        """
        service = self._services.vector_stores
        stores = await service.stores(await self.vector_store_ids())
        for vs in stores:
            if service.is_expired(vs):
                raise RunFailed("server_error", f"Vector store {vs['id']} has expired. Create a new one with the same files and attach it.")
        settings = fs.options(self.run["tools"])
        ranking = fs.ranking_options(settings)
        limit = max(1, min(max_results, settings.get("max_num_results") or max_results))
        results = await service.search(stores, [query], limit, score_threshold=ranking["score_threshold"]) if stores else []
        step = await self._ensure_tool_step()
        calls = step["step_details"]["tool_calls"]
        call = fs.tool_call(results, ranking)
        calls.append(call)
        self._step_delta(step, {"index": len(calls) - 1, **fs.call_without_content(call)})
        await self._store.put(step)
        if not self.real_usage:  # else the model's next call counts the results in its prompt
            self.add_prompt_tokens(sum(estimate_tokens(r["text"]) for r in results))
        return [{"file_id": r["file_id"], "file_name": r["filename"], "score": r["score"], "text": r["text"]} for r in results]

    async def code_interpreter_files(self) -> dict[str, Path]:
        """The assistant's, the thread's and message attachments' code-interpreter files, by filename."""
        ids: list[str] = []
        for owner in (await self.assistant(), await self.thread()):
            ids += ((owner.get("tool_resources") or {}).get("code_interpreter") or {}).get("file_ids", [])
        for message in await self.messages():
            for attachment in message.get("attachments") or []:
                if any(t.get("type") == "code_interpreter" for t in attachment.get("tools", [])):
                    ids.append(attachment["file_id"])
        files: dict[str, Path] = {}
        for file_id in ids:
            info = await self._store.get("file", file_id)
            if info is not None:
                files[info["filename"]] = self._services.files.path(file_id)
        return files

    async def _store_output_file(self, path: Path) -> dict[str, Any]:
        info = objects.file(path.name, path.stat().st_size, "assistants_output")
        await self._services.files.copy_in(info["id"], path)
        await self._store.insert("file", info)
        return info

    async def open_function_call(self, name: str) -> dict[str, Any]:
        """Start a function call in the tool step (append_arguments streams its arguments); the run then awaits its output."""
        step = await self._ensure_tool_step()
        calls = step["step_details"]["tool_calls"]
        call = {"id": new_id("call"), "type": "function", "function": {"name": name, "arguments": "", "output": None}}
        calls.append(call)
        self._function_calls.append(call)
        self._step_delta(step, {"index": len(calls) - 1, "id": call["id"], "type": "function", "function": {"name": name, "arguments": "", "output": None}})
        return call

    async def append_arguments(self, call: dict[str, Any], text: str) -> None:
        """Stream more of a function call's arguments, as the hosted API did (toolCallDelta in the SDKs)."""
        step = await self._ensure_tool_step()
        call["function"]["arguments"] += text
        self._step_delta(step, {"index": _index_of(step, call), "type": "function", "function": {"arguments": text}})

    # ---- ending -------------------------------------------------------------------------------

    async def finish_open_work(self) -> None:
        """After the engine returns: close the open message, and the tool step unless it awaits outputs."""
        await self.end_message()
        if not self._function_calls:
            await self.close_tool_step()
        elif self._tool_step is not None:
            await self._store.put(self._tool_step)

    async def close_open_work(self, step_status: str, last_error: dict[str, Any] | None) -> None:
        """The run is ending abnormally: the open message becomes incomplete, open steps take `step_status`
        (what a storage failure kept from being stored stays open, for the next call)."""
        opened = self._settle_open_text()
        if opened is not None:
            opened.message["status"] = "incomplete"
            opened.message["incomplete_at"] = objects.now()
            opened.message["incomplete_details"] = {"reason": INCOMPLETE_MESSAGE_REASON[step_status]}
            await self._store.put(opened.message)
            self._publish("thread.message.incomplete", opened.message)
            await self._finish_step(opened.step, step_status, last_error)
            self._open = None
        if self._tool_step is not None:
            await self._finish_step(self._tool_step, step_status, last_error)
            self._tool_step = None

    async def _finish_step(self, step: dict[str, Any], status: str, last_error: dict[str, Any] | None = None) -> None:
        step["status"] = status
        stamp = {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at", "expired": "expired_at"}[status]
        step[stamp] = objects.now()
        if status == "failed":
            step["last_error"] = last_error
        if step.get("usage") is None and step["type"] == "message_creation" and not self.real_usage:
            message = await self._store.get("message", step["step_details"]["message_creation"]["message_id"])
            step["usage"] = objects.usage(0, estimate_tokens(_message_text(message)))
        elif step.get("usage") is None:  # else the engine counted real usage (add_usage)
            step["usage"] = objects.usage(0, 0)
        await self._store.put(step)
        self._publish(f"thread.run.step.{status}", step)

    async def adopt_waiting_step(self) -> None:
        """Pick up the tool step a requires_action run left open (no engine task is alive)."""
        for step in await self.steps():
            if step["status"] == "in_progress" and step["type"] == "tool_calls":
                self._tool_step = step

    async def adopt_open_work(self) -> None:
        """Pick up whatever a dead server process left open for this run."""
        for step in await self.steps():
            if step["status"] != "in_progress":
                continue
            if step["type"] == "tool_calls":
                self._tool_step = step
            else:
                message = await self._store.get("message", step["step_details"]["message_creation"]["message_id"])
                if message is not None:
                    self._open = OpenMessage.adopt(message, step)

    async def complete_waiting_step(self, outputs: dict[str, str]) -> None:
        await self.adopt_waiting_step()
        step = self._tool_step
        if step is None:
            return
        for call in step["step_details"]["tool_calls"]:
            if call["type"] == "function" and call["id"] in outputs:
                call["function"]["output"] = outputs[call["id"]]
        await self._finish_step(step, "completed")
        self._tool_step = None

    def _publish(self, event: str, data: dict[str, Any]) -> None:
        if event.startswith("thread.run.step."):
            data = fs.without_content(data)  # file_search content is only for run-steps requests that include it
        self._bus.publish(self.run_id, event, data)


def _index_of(step: dict[str, Any], call: dict[str, Any]) -> int:
    return next(i for i, c in enumerate(step["step_details"]["tool_calls"]) if c is call)


def _message_text(message: dict[str, Any] | None) -> str:
    if not message:
        return ""
    return "".join(p["text"]["value"] for p in message.get("content", []) if p.get("type") == "text")

