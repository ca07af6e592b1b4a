"""A run as a Chat Completions request: tools offered, the thread's messages, and this run's steps so far."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..outcomes import RunIncomplete, estimate_tokens

if TYPE_CHECKING:
    from ..context import RunContext

CODE_TOOL = "python"
SEARCH_TOOL = "file_search"
IMAGE_NOTE = "[an image was attached here; this server sends only text to the model]"
MESSAGE_OVERHEAD_TOKENS = 4


def builtin_tools(ctx: RunContext) -> dict[str, str]:
    """The built-in tools offered as functions: {function name: tool type}. A user function of the same name wins."""
    enabled = ctx.tool_types()
    taken = set(ctx.function_names())
    offered = {}
    if "code_interpreter" in enabled and CODE_TOOL not in taken:
        offered[CODE_TOOL] = "code_interpreter"
    if "file_search" in enabled and SEARCH_TOOL not in taken:
        offered[SEARCH_TOOL] = "file_search"
    return offered


async def tool_definitions(ctx: RunContext, builtins: dict[str, str]) -> list[dict[str, Any]]:
    tools = [{"type": "function", "function": t["function"]} for t in ctx.run["tools"] if t["type"] == "function"]
    if CODE_TOOL in builtins:
        files = sorted(await ctx.code_interpreter_files())
        where = f" Files in its working directory: {', '.join(files)}." if files else ""
        tools.append(_function(
            CODE_TOOL,
            "Run Python code in a sandbox that keeps its state between calls, like a notebook, and get back what it "
            "printed, any error, and the files it wrote (PNG images are shown to the user). To give the user a file "
            "the code wrote, link it as sandbox:/mnt/data/NAME." + where,
            "code", "The Python code to run.",
        ))
    if SEARCH_TOOL in builtins:
        tools.append(_function(
            SEARCH_TOOL,
            "Search the files attached to this assistant and conversation. Each result starts with a marker such as "
            "【0:1†notes.txt】: to cite a result, put its marker right after what you took from it.",
            "query", "What to look for.",
        ))
    return tools


def _function(name: str, description: str, param: str, param_description: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {param: {"type": "string", "description": param_description}}, "required": [param]}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": schema}}


async def request_body(ctx: RunContext, model: str, builtins: dict[str, str], *, openai_style_limit: bool) -> dict[str, Any]:
    """The streaming request for the run's next model call."""
    run = ctx.run
    tools = await tool_definitions(ctx, builtins)
    history = await run_history(ctx, builtins)
    system = [{"role": "system", "content": run["instructions"]}] if run.get("instructions") else []
    fixed = estimate_messages(system + history) + (estimate_tokens(json.dumps(tools)) if tools else 0)
    messages = system + truncated(ctx, await thread_messages(ctx), fixed) + history
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": True, "stream_options": {"include_usage": True}}
    for key in ("temperature", "top_p"):
        if run.get(key) is not None:
            body[key] = run[key]
    if isinstance(run.get("response_format"), dict) and run["response_format"].get("type") in ("json_object", "json_schema"):
        body["response_format"] = run["response_format"]
    if tools:
        body["tools"] = tools
        choice = _tool_choice(run.get("tool_choice"), builtins)
        if choice != "none" and any("tool_calls" in m for m in history):
            choice = None  # a forced tool is called once; forcing it again would loop
        if choice is not None:
            body["tool_choice"] = choice
        if run.get("parallel_tool_calls") is False:
            body["parallel_tool_calls"] = False
    limit = run.get("max_completion_tokens")
    if limit is not None:
        # OpenAI wants max_completion_tokens (its reasoning models refuse max_tokens); others read max_tokens.
        body["max_completion_tokens" if openai_style_limit else "max_tokens"] = max(1, limit - ctx.usage()["completion_tokens"])
    return body


def _tool_choice(choice: Any, builtins: dict[str, str]) -> Any:
    if choice in ("none", "required"):
        return choice
    if isinstance(choice, dict):
        if choice.get("type") == "function":
            return choice
        name = next((n for n, kind in builtins.items() if kind == choice.get("type")), None)
        if name:
            return {"type": "function", "function": {"name": name}}
    return None  # auto: the upstream's default


async def thread_messages(ctx: RunContext) -> list[dict[str, Any]]:
    """The thread's messages as chat messages, oldest first; this run's own replies come from its steps."""
    chat = []
    for message in await ctx.messages():
        if message.get("run_id") == ctx.run_id and message["role"] == "assistant":
            continue
        text = content_text(message)
        if text:
            chat.append({"role": message["role"], "content": text})
    return chat


def content_text(message: dict[str, Any] | None) -> str:
    parts = []
    for part in (message or {}).get("content") or []:
        if part.get("type") == "text":
            parts.append(part["text"]["value"])
        elif part.get("type") in ("image_file", "image_url"):
            parts.append(IMAGE_NOTE)
    return "\n\n".join(p for p in parts if p)


def truncated(ctx: RunContext, messages: list[dict[str, Any]], fixed_tokens: int) -> list[dict[str, Any]]:
    """Apply truncation_strategy (last_messages N), then drop the oldest until the prompt fits max_prompt_tokens."""
    strategy = ctx.run.get("truncation_strategy") or {}
    keep = strategy.get("last_messages")
    if strategy.get("type") == "last_messages" and keep is not None:
        messages = messages[-keep:] if keep > 0 else []
    limit = ctx.run.get("max_prompt_tokens")
    if limit is None:
        return messages
    budget = limit - ctx.usage()["prompt_tokens"] - fixed_tokens  # max_prompt_tokens counts over the whole run
    sizes = [estimate_messages([m]) for m in messages]
    start = 0
    while start < len(messages) and sum(sizes[start:]) > budget:
        start += 1
    if budget <= 0 or (messages and start == len(messages)):
        raise RunIncomplete("max_prompt_tokens")
    return messages[start:]


def estimate_messages(messages: list[dict[str, Any]]) -> int:
    return sum(MESSAGE_OVERHEAD_TOKENS + estimate_tokens(m.get("content") or "") + estimate_tokens(json.dumps(m.get("tool_calls") or "")) for m in messages)


async def run_history(ctx: RunContext, builtins: dict[str, str]) -> list[dict[str, Any]]:
    """This run's replies and tool calls with their outputs, rebuilt from its stored steps (so a restart loses nothing)."""
    names = {kind: name for name, kind in builtins.items()}
    history: list[dict[str, Any]] = []
    searches = 0  # file_search calls so far: the i of a result's marker 【i:j†name】
    for step in await ctx.steps():
        if step["type"] == "message_creation":
            text = content_text(await ctx.message(step["step_details"]["message_creation"]["message_id"]))
            if text:
                history.append({"role": "assistant", "content": text})
            continue
        calls = step["step_details"]["tool_calls"]
        if not calls:
            continue
        if history and history[-1]["role"] == "assistant" and "tool_calls" not in history[-1]:
            reply = history[-1]
        else:
            reply = {"role": "assistant", "content": ""}
            history.append(reply)
        reply["tool_calls"] = [_call(call, names) for call in calls]
        for call in calls:
            history.append({"role": "tool", "tool_call_id": call["id"], "content": _output(call, searches)})
            searches += call["type"] == "file_search"
    return history


def _call(call: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    kind = call["type"]
    if kind == "function":
        name, arguments = call["function"]["name"], call["function"]["arguments"]
    elif kind == "code_interpreter":
        name, arguments = names.get(kind, CODE_TOOL), json.dumps({"code": call["code_interpreter"]["input"]})
    else:  # file_search: the step keeps the results but not the query (the API's call object has none)
        name, arguments = names.get(kind, SEARCH_TOOL), "{}"
    return {"id": call["id"], "type": "function", "function": {"name": name, "arguments": arguments}}


def _output(call: dict[str, Any], search_index: int) -> str:
    kind = call["type"]
    if kind == "function":
        return call["function"]["output"] or ""
    if kind == "code_interpreter":
        parts = []
        for output in call["code_interpreter"]["outputs"]:
            if output["type"] == "logs":
                parts.append(output["logs"])
            elif output["type"] == "image":
                parts.append(f"[image {output['image']['file_id']}, shown to the user]")
        return "\n".join(parts) or "(no output)"
    results = (call.get(kind) or {}).get("results") or []
    found = [
        f"【{search_index}:{j}†{r.get('file_name')}】 (score {r.get('score', 0):.2f})\n" + "".join(c.get("text", "") for c in r.get("content") or [])
        for j, r in enumerate(results)
    ]
    return "\n\n".join(found) or "(no results)"
