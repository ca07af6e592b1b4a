"""Long threads for the benchmarks, made with the SDK straight into the server: mixed Markdown, code, tool steps."""

from __future__ import annotations

import random

import openai

WORDS = "alpha beta gamma delta stream render frame widget thread message token markdown table column".split()
TEMPERATURE = 'get_current_temperature {"location": "Paris, France", "unit": "celsius"}'
CODE = "```python\nprint(sum(range(10)))\n```"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def markdown(rng: random.Random) -> str:
    """One assistant-like reply: a heading, paragraphs, and one of a list, a code fence or a table."""
    parts = [f"## {_words(rng, 4).capitalize()}", _words(rng, rng.randint(20, 60)).capitalize() + "."]
    kind = rng.randrange(3)
    if kind == 0:
        parts.append("\n".join(f"- **{_words(rng, 1)}** {_words(rng, rng.randint(3, 9))}" for _ in range(rng.randint(3, 6))))
    elif kind == 1:
        body = "\n".join(f"{w} = {rng.randint(0, 99)}  # {_words(rng, 3)}" for w in rng.sample(WORDS, 5))
        parts.append(f"```python\n{body}\n```")
    else:
        rows = "\n".join(f"| {_words(rng, 1)} | {rng.randint(0, 999)} | {_words(rng, 2)} |" for _ in range(rng.randint(2, 5)))
        parts.append("| name | value | note |\n|---|---|---|\n" + rows)
    parts.append(_words(rng, rng.randint(10, 30)).capitalize() + ".")
    return "\n\n".join(parts)


async def tool_turns(client: openai.AsyncOpenAI, thread_id: str, assistant_id: str, functions: int, code: int) -> int:
    """Runs of the demo engine that leave tool steps: function calls answered, code interpreted. Returns messages added."""
    added = 0
    for _ in range(functions):
        await client.beta.threads.messages.create(thread_id, role="user", content=TEMPERATURE)
        run = await client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
        calls = run.required_action.submit_tool_outputs.tool_calls
        outputs = [{"tool_call_id": call.id, "output": '{"temperature": 21, "unit": "celsius"}'} for call in calls]
        await client.beta.threads.runs.submit_tool_outputs_and_poll(run_id=run.id, thread_id=thread_id, tool_outputs=outputs, poll_interval_ms=20)
        added += 2
    for _ in range(code):
        await client.beta.threads.messages.create(thread_id, role="user", content=CODE)
        await client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
        added += 2
    return added


async def make_thread(client: openai.AsyncOpenAI, assistant_id: str, count: int, functions: int = 0, code: int = 0) -> str:
    """A thread of exactly `count` messages: tool turns first, then user/assistant pairs of mixed Markdown."""
    rng = random.Random(11)
    thread = await client.beta.threads.create()
    made = await tool_turns(client, thread.id, assistant_id, functions, code)
    for i in range(made, count):
        if i % 2 == 0:
            await client.beta.threads.messages.create(thread.id, role="user", content=_words(rng, rng.randint(5, 25)) + "?")
        else:
            await client.beta.threads.messages.create(thread.id, role="assistant", content=markdown(rng))
    return thread.id
