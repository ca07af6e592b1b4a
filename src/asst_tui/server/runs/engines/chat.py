"""The `chat` engine: a run becomes streamed Chat Completions calls to an OpenAI-compatible upstream."""

from __future__ import annotations

import json
import logging
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..outcomes import RunFailed, RunIncomplete, estimate_tokens
from . import chat_prompt
from .code_args import CodeStream
from .upstream import Upstream

if TYPE_CHECKING:
    from ...config import ServerConfig
    from ..context import RunContext

log = logging.getLogger("asst_tui.server")

MAX_TOOL_ROUNDS = 10  # model calls in a row that only call tools before the run fails


class ChatEngine:
    name = "chat"

    def __init__(self, config: ServerConfig) -> None:
        if not config.upstream_base_url:
            raise ValueError("the chat engine needs an upstream base URL (upstream_base_url)")
        self.upstream = Upstream(config.upstream_base_url, config.upstream_api_key, config.upstream_timeout_s)
        self.model_map = dict(config.model_map)

    async def run(self, ctx: RunContext) -> None:
        model = self.model_map.get(ctx.run["model"], ctx.run["model"])
        ctx.real_usage = True
        async with self.upstream.session() as http:
            for _ in range(MAX_TOOL_ROUNDS):
                _check_completion_budget(ctx)
                builtins = chat_prompt.builtin_tools(ctx)
                body = await chat_prompt.request_body(ctx, model, builtins, openai_style_limit=self.upstream.is_openai)
                log.debug("run %s: model call to %s (model %s, %d messages)", ctx.run_id, self.upstream.name, model, len(body["messages"]))
                turn = _Turn(ctx, builtins)
                async with aclosing(self.upstream.stream(http, body)) as chunks:
                    async for chunk in chunks:
                        try:
                            await turn.apply(chunk)
                        except (AttributeError, TypeError, KeyError) as exc:
                            raise self.upstream.failed("server_error", f"sent a stream chunk of an unexpected shape ({exc})") from None
                if await self._after_turn(ctx, turn, body):
                    return
        raise RunFailed(
            "server_error",
            f"The model kept calling tools: {MAX_TOOL_ROUNDS} model calls in a row without an answer, so the run was stopped.",
        )

    async def _after_turn(self, ctx: RunContext, turn: _Turn, body: dict[str, Any]) -> bool:
        """Count usage and run the turn's tool calls; True when this part of the run is over."""
        calls = [turn.calls[i] for i in sorted(turn.calls)]
        if turn.finish_reason == "length":
            await ctx.add_usage(*turn.usage_counts(body))
            raise RunIncomplete("max_completion_tokens")
        for call in calls:
            if call.name not in turn.builtins and call.name not in ctx.function_names():
                raise self.upstream.failed("server_error", f"answered with a call to {call.name!r}, which is not one of this run's tools")
        functions = [c for c in calls if c.name not in turn.builtins]
        for call in functions:
            if not call.arguments and call.step_call is not None:  # a call with no arguments is called with {}
                await ctx.append_arguments(call.step_call, "{}")
        for call in calls:
            if call.code is not None and call.step_call is not None:
                call.step_call["code_interpreter"]["input"] = call.code.code()  # as parsed whole, if streaming guessed wrong
                await ctx.run_code_call(call.step_call)
            elif turn.builtins.get(call.name) == "file_search":
                await ctx.file_search(_query(call.arguments))
        if turn.trailing:  # a message after the tool step (which, holding function calls, stays waiting for their outputs)
            await ctx.write("".join(turn.trailing))
            await ctx.end_message()
        await ctx.add_usage(*turn.usage_counts(body))
        limit = ctx.run.get("max_completion_tokens")
        if limit is not None and ctx.usage()["completion_tokens"] > limit:
            raise RunIncomplete("max_completion_tokens")
        if functions:
            return True
        await ctx.close_tool_step()  # each model call gets its own step, so the history replays call by call
        return not calls


@dataclass
class _Call:
    """One tool call as the model streams it."""

    id: str = ""
    name: str = ""
    arguments: str = ""
    code: CodeStream | None = None  # the python tool: its code streams into a code_interpreter call
    step_call: dict[str, Any] | None = None  # the call in the run's tool step (code or function), once opened


@dataclass
class _Turn:
    """What one streamed model call produced: text written as it arrives, tool calls, finish reason, usage."""

    ctx: RunContext
    builtins: dict[str, str]
    calls: dict[int, _Call] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    text: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)  # text after a tool call opened its tool step

    async def apply(self, chunk: dict[str, Any]) -> None:
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                self.text.append(content)
                if any(call.step_call is not None for call in self.calls.values()):
                    self.trailing.append(content)  # a call streams into the open tool step: the message waits
                else:
                    await self.ctx.write(content)
            for piece in delta.get("tool_calls") or []:
                await self._tool_piece(piece)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    async def _tool_piece(self, piece: dict[str, Any]) -> None:
        index = piece.get("index")
        if not isinstance(index, int):
            index = max(self.calls, default=-1) + (1 if piece.get("id") or not self.calls else 0)
        call = self.calls.get(index)
        if call is not None and piece.get("id") and call.id and piece["id"] != call.id:
            index, call = max(self.calls) + 1, None  # a server that numbers every call 0
        if call is None:
            call = self.calls[index] = _Call()
        call.id = call.id or piece.get("id") or ""
        function = piece.get("function") or {}
        call.name = call.name or function.get("name") or ""
        fragment = function.get("arguments") or ""
        if not isinstance(fragment, str):
            fragment = json.dumps(fragment)
        call.arguments += fragment
        if self.builtins.get(call.name) == "code_interpreter":
            if call.code is None:
                call.code, call.step_call, fragment = CodeStream(), await self.ctx.open_code_call(), call.arguments
            code = call.code.feed(fragment)
            if code and call.step_call is not None:
                await self.ctx.append_code(call.step_call, code)
        elif call.name and call.name not in self.builtins and call.name in self.ctx.function_names():
            if call.step_call is None:  # the arguments stream into the step as the model writes them
                call.step_call, fragment = await self.ctx.open_function_call(call.name), call.arguments
            if fragment:
                await self.ctx.append_arguments(call.step_call, fragment)

    def usage_counts(self, body: dict[str, Any]) -> tuple[int, int]:
        """(prompt, completion) tokens: the upstream's count, else an estimate."""
        if self.usage:
            return int(self.usage.get("prompt_tokens") or 0), int(self.usage.get("completion_tokens") or 0)
        written = "".join(self.text) + "".join(c.name + c.arguments for c in self.calls.values())
        return chat_prompt.estimate_messages(body["messages"]), estimate_tokens(written)


def _check_completion_budget(ctx: RunContext) -> None:
    limit = ctx.run.get("max_completion_tokens")
    if limit is not None and ctx.usage()["completion_tokens"] >= limit:
        raise RunIncomplete("max_completion_tokens")


def _query(arguments: str) -> str:
    """The query of file_search arguments `{"query": ...}`; arguments that aren't JSON are the query."""
    try:
        return str(json.loads(arguments).get("query", ""))
    except (ValueError, AttributeError):
        return arguments
