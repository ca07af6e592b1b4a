"""The offline, deterministic demo engine: directives in the last user message drive tools and output."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ..outcomes import RunFailed, RunIncomplete, estimate_tokens
from .lorem import lorem_markdown

if TYPE_CHECKING:
    from ..context import RunContext

CODE_BLOCK = re.compile(r"```(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL)
TOKEN = re.compile(r"\S+\s*|\s+")
FAIL_CODES = ("server_error", "rate_limit_exceeded", "invalid_prompt")
EXCERPTS = 3  # file_search results quoted in a reply
EXCERPT_CHARS = 240
DIRECTIVES = """\
- a fenced ```` ```python ```` block runs in the **code interpreter** (if the assistant has it)
- `NAME {"arg": 1}` or `NAME({"arg": 1})` calls the **function tool** NAME (several → parallel calls)
- with **file_search** on and a vector store attached, any other message is a search query: the reply quotes the best excerpts, cited
- `/lorem N` streams N words of varied Markdown
- `/fail CODE` ends the run failed (`server_error`, `rate_limit_exceeded`, `invalid_prompt`)
- `/incomplete` ends the run incomplete (as if `max_completion_tokens` were reached)"""


class DemoEngine:
    name = "demo"

    async def run(self, ctx: RunContext) -> None:
        messages = await ctx.messages()
        ctx.add_prompt_tokens(estimate_tokens(ctx.run.get("instructions") or "") + sum(estimate_tokens(_text(m)) for m in messages))
        submitted = await ctx.submitted_function_calls()
        if submitted:
            await _say(ctx, _quote_outputs(submitted))
            return
        user = next((m for m in reversed(messages) if m["role"] == "user"), None)
        text = _text(user) if user else ""
        command = text.strip().split()
        if command and command[0] == "/lorem":
            await _say(ctx, lorem_markdown(_word_count(command)))
        elif command and command[0] == "/fail":
            code = command[1] if len(command) > 1 else "server_error"
            if code not in FAIL_CODES:
                raise RunFailed("server_error", f"/fail asked for unknown code {code!r}; use one of {', '.join(FAIL_CODES)}.")
            raise RunFailed(code, f"The demo engine failed this run on request (/fail {code}).")
        elif command and command[0] == "/incomplete":
            # The message stays open: the run's end marks it incomplete (max_tokens), as a real cut-off does.
            await _say(ctx, "This reply stops here, as if the completion token budget ran out. ", close=False)
            raise RunIncomplete("max_completion_tokens")
        elif (blocks := _code_blocks(ctx, text)):
            await _run_code(ctx, blocks)
        elif (calls := _function_calls(ctx, text)):
            await _call_functions(ctx, calls)
        elif await _searches_files(ctx, text):
            await _answer_from_files(ctx, text)
        else:
            await _say(ctx, await _default_reply(ctx, text, len(messages)))


async def _say(ctx: RunContext, text: str, *, close: bool = True) -> None:
    """Stream text word by word at the engine's pace, then close the message (unless `close` is False).

    The run context annotates the links to files the code wrote and the citations of search results.
    """
    await ctx.begin_message()
    for token in TOKEN.findall(text):
        await ctx.write(token)
        await ctx.pace()
    if close:
        await ctx.end_message()


async def _call_functions(ctx: RunContext, calls: list[tuple[str, str]]) -> None:
    """Ask for function outputs, each call's arguments streamed token by token as a model writes them."""
    for name, arguments in calls:
        call = await ctx.open_function_call(name)
        for token in TOKEN.findall(arguments):
            await ctx.append_arguments(call, token)
            await ctx.pace()


def _text(message: dict[str, Any]) -> str:
    return "".join(p["text"]["value"] for p in message["content"] if p.get("type") == "text")


def _word_count(command: list[str]) -> int:
    try:
        return max(1, min(int(command[1]), 1_000_000)) if len(command) > 1 else 200
    except ValueError:
        return 200


def _code_blocks(ctx: RunContext, text: str) -> list[str]:
    if "code_interpreter" not in ctx.tool_types() or ctx.run.get("tool_choice") == "none":
        return []
    return [block for block in CODE_BLOCK.findall(text) if block.strip()]


async def _run_code(ctx: RunContext, blocks: list[str]) -> None:
    results = [(await ctx.code_interpreter(code))[1] for code in blocks]
    await ctx.close_tool_step()
    parts = [f"I ran {len(blocks)} code block{'s' if len(blocks) > 1 else ''} in the code interpreter."]
    for i, result in enumerate(results, 1):
        label = f"Block {i}" if len(results) > 1 else "Output"
        logs = result.logs.rstrip("\n")
        if result.timed_out or result.crashed:
            parts.append(f"**{label}** did not finish:")
        elif result.error:
            parts.append(f"**{label}** raised an exception:")
        else:
            parts.append(f"**{label}:**" if logs else f"**{label}:** (no output)")
        if logs:
            parts.append(_fence(logs, "text"))
    parts += [f"Generated file: [{info['filename']}](sandbox:/mnt/data/{info['filename']})" for info in ctx.generated_files]
    await _say(ctx, "\n\n".join(parts))


async def _searches_files(ctx: RunContext, text: str) -> bool:
    return "file_search" in ctx.tool_types() and ctx.run.get("tool_choice") != "none" and bool(await ctx.vector_store_ids()) and bool(text.strip())


async def _answer_from_files(ctx: RunContext, text: str) -> None:
    """A file_search call with the message as query, then the top excerpts, each cited 【i:j†source】."""
    results = await ctx.file_search(text)
    await ctx.close_tool_step()
    searches = [c for step in await ctx.steps() if step["type"] == "tool_calls" for c in step["step_details"]["tool_calls"] if c["type"] == "file_search"]
    call_index = len(searches) - 1
    top = results[:EXCERPTS]
    if not top:
        await _say(ctx, "I searched the files attached to this assistant and thread, but nothing in them matches your message.")
        return
    reply = f"I searched the attached files and found {len(top)} relevant excerpt{'s' if len(top) > 1 else ''}:\n"
    for j, result in enumerate(top):
        reply += f"\n{j + 1}. **{result['file_name']}**: “{_excerpt(result['text'])}” 【{call_index}:{j}†source】"
    await _say(ctx, reply + "\n")


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    return flat[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def _fence(body: str, lang: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def _function_calls(ctx: RunContext, text: str) -> list[tuple[str, str]]:
    """`NAME {json}` / `NAME(json)` mentions of enabled function tools, in order of appearance."""
    if ctx.run.get("tool_choice") == "none":
        return []
    decoder = json.JSONDecoder()
    found: list[tuple[int, str, str]] = []
    for name in ctx.function_names():
        for match in re.finditer(rf"(?<![\w-]){re.escape(name)}\s*(\(\s*)?(?=\{{)", text):
            try:
                args, end = decoder.raw_decode(text, match.end())
            except ValueError:
                continue
            if match.group(1) and not text[end:].lstrip().startswith(")"):
                continue
            found.append((match.start(), name, json.dumps(args)))
    found.sort()
    calls = [(name, args) for _, name, args in found]
    choice = ctx.run.get("tool_choice")
    if not calls and isinstance(choice, dict) and choice.get("type") == "function":
        calls = [(choice["function"]["name"], "{}")]
    if calls and ctx.run.get("parallel_tool_calls") is False:
        calls = calls[:1]
    return calls


def _quote_outputs(calls: list[dict[str, Any]]) -> str:
    lines = [f"The function call{'s' if len(calls) > 1 else ''} returned:"]
    for call in calls:
        function = call["function"]
        lines.append(f"**{function['name']}**")
        lines.append(_fence(function["output"] or "(empty output)", "text"))
    return "\n\n".join(lines)


async def _default_reply(ctx: RunContext, text: str, message_count: int) -> str:
    assistant = await ctx.assistant()
    name = assistant.get("name") or assistant["id"]
    tools = ", ".join(sorted(ctx.tool_types())) or "none"
    functions = ", ".join(f"`{n}`" for n in ctx.function_names())
    quoted = "\n".join("> " + line for line in (text.strip()[:400] or "(empty)").splitlines())
    return (
        f"**Demo engine** here, answering as *{name}* (model `{ctx.run['model']}`).\n\n"
        f"I received:\n\n{quoted}\n\n"
        f"This thread has {message_count} message{'s' if message_count != 1 else ''}. Tools: {tools}"
        + (f" (functions: {functions})" if functions else "")
        + ".\n\nThe demo engine answers these directives:\n\n"
        + DIRECTIVES
        + "\n"
    )
