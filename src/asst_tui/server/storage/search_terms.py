"""The words of a search query that count: shared by every chunk index and by the API's `rewrite_query`."""

from __future__ import annotations

import re
from collections.abc import Iterable

WORD = re.compile(r"\w+")
MAX_QUERY_TERMS = 32
STOPWORDS = frozenset(  # English function words, and the usual wrapping of a question ("tell me about ...")
    "a about all also an and any are as at be been but by can could describe did do does explain for from give "
    "had has have how i if in into is it its just me more most my no not of on or our please say show should so "
    "some such tell than that the their them then there these they this those to too us very was we were what "
    "when where which who whom why will with would you your".split()
)


def query_terms(queries: Iterable[str]) -> list[str]:
    """The distinct lower-cased words of the queries, without stopwords (unless nothing else is left)."""
    words = list(dict.fromkeys(w.lower() for q in queries for w in WORD.findall(q)))
    kept = [w for w in words if w not in STOPWORDS] or words
    return kept[:MAX_QUERY_TERMS]
