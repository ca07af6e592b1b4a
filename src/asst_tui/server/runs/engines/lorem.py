"""Deterministic filler Markdown of an exact word count: paragraphs, lists, a code fence, a table."""

from __future__ import annotations

import random

WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
    "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip "
    "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla "
    "pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim "
    "id est laborum"
).split()


def lorem_markdown(count: int, seed: int = 7) -> str:
    """`count` filler words laid out as varied Markdown (its syntax adds a few tokens of its own)."""
    rng = random.Random(seed)
    blocks: list[str] = []
    left = count
    kinds = ("paragraph", "paragraph", "list", "paragraph", "code", "paragraph", "table", "heading")
    turn = 0
    while left > 0:
        kind = kinds[turn % len(kinds)]
        turn += 1
        take = min(left, rng.randint(12, 60) if kind == "paragraph" else rng.randint(6, 18))
        words = [rng.choice(WORDS) for _ in range(take)]
        left -= take
        blocks.append(_render(kind, words, rng))
    return "\n\n".join(blocks) + "\n"


def _render(kind: str, words: list[str], rng: random.Random) -> str:
    if kind == "heading":
        return "## " + " ".join(words[:6]).capitalize() + ("\n\n" + _sentence(words[6:]) if words[6:] else "")
    if kind == "list":
        items, i = [], 0
        while i < len(words):
            n = rng.randint(2, 5)
            items.append("- " + " ".join(words[i : i + n]))
            i += n
        return "\n".join(items)
    if kind == "code":
        lines, i = [], 0
        while i < len(words):
            chunk = words[i : i + 3]
            lines.append(f"{chunk[0]} = {' + '.join(repr(w) for w in chunk[1:]) or 'None'}")
            i += 3
        return "```python\n" + "\n".join(lines) + "\n```"
    if kind == "table":
        cells = [words[i : i + 3] for i in range(0, len(words), 3)]
        rows = ["| " + " | ".join(c + [""] * (3 - len(c))) + " |" for c in cells]
        return "| a | b | c |\n|---|---|---|\n" + "\n".join(rows)
    return _sentence(words)


def _sentence(words: list[str]) -> str:
    if not words:
        return ""
    text = " ".join(words)
    emphasis = len(words) // 3
    if emphasis and len(words) > 8:
        parts = text.split(" ")
        parts[emphasis] = f"**{parts[emphasis]}**"
        text = " ".join(parts)
    return text[0].upper() + text[1:] + "."
