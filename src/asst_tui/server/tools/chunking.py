"""Chunking for file_search: a text cut into overlapping windows of estimated tokens.

Token estimate (no tokenizer needed): a whitespace-separated word is one token per started four
characters, so `cat` is 1 token and `ingestion` 3. That is close to what BPE tokenizers count for
English prose and code, and it splits long unbroken strings (minified code, base64) too, so no chunk
grows past its budget. A chunk is the original text from its first token to its last, whitespace and
line breaks included.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

TOKEN = re.compile(r"\S{1,4}")  # one estimated token: up to four characters of a word
DEFAULT_MAX_TOKENS = 800  # the hosted API's `auto` strategy
DEFAULT_OVERLAP_TOKENS = 400
MIN_MAX_TOKENS = 100
MAX_MAX_TOKENS = 4096


def default_strategy() -> dict[str, object]:
    """What `auto` means, in the static form vector-store files report."""
    return {"type": "static", "static": {"max_chunk_size_tokens": DEFAULT_MAX_TOKENS, "chunk_overlap_tokens": DEFAULT_OVERLAP_TOKENS}}


def chunk_text(text: str, max_tokens: int = DEFAULT_MAX_TOKENS, overlap: int = DEFAULT_OVERLAP_TOKENS) -> Iterator[str]:
    """Windows of `max_tokens` tokens, each starting `max_tokens - overlap` tokens after the previous one."""
    if not 0 <= overlap < max_tokens:
        raise ValueError("overlap must be at least 0 and smaller than max_tokens")
    step = max_tokens - overlap
    window: deque[tuple[int, int]] = deque()
    fresh = 0  # tokens of the window not yet in an emitted chunk
    for match in TOKEN.finditer(text):
        window.append(match.span())
        fresh += 1
        if len(window) == max_tokens:
            yield text[window[0][0] : window[-1][1]]
            for _ in range(step):
                window.popleft()
            fresh = 0
    if fresh:
        yield text[window[0][0] : window[-1][1]]
