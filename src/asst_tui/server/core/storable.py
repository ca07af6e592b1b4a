"""Values every store can keep and every JSON answer can carry: no lone surrogate, no NUL, no NaN or infinity.

A lone UTF-16 surrogate (`"\\ud800"`) can't be encoded as UTF-8, so it breaks every answer that holds it;
NUL is refused by PostgreSQL's JSON and by the file system; NaN and infinities aren't JSON at all. The
API refuses them on the way in (`first_unstorable`); stores repair what an old server kept (`repair`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

REPLACEMENT = "\ufffd"
_BAD_TEXT = re.compile("[\ud800-\udfff\x00]")
JSON_NUL = "\\u0000"  # how json.dumps writes NUL


def text_problem(text: str) -> str | None:
    """Why a string can't be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    surrogate = _lone_surrogate(text)
    if surrogate is not None:
        return f"contains an unpaired surrogate (\\u{ord(surrogate):04x}), which is not valid Unicode"
    return None


def _lone_surrogate(text: str) -> str | None:
    """The first code point of `text` UTF-8 can't encode (a lone surrogate), or None; quick for the usual text."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return text[exc.start]
    return None


def first_unstorable(value: Any, max_depth: int) -> tuple[str, str] | None:
    """The first place in a parsed JSON value that can't be stored, as (param path, problem), or None.

    The path is 'messages[0].content' style ('' for the value itself; a bad key names its object).
    Deeper nesting than `max_depth` arrays and objects is a problem too. The walk keeps its own stack,
    so a deep value never exhausts Python's.
    """
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return path, problem
        elif isinstance(item, float) and not math.isfinite(item):
            return path, f"is {item}, which JSON can't carry"
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                return path, f"is nested too deeply (more than {max_depth} levels of arrays and objects)"
            if isinstance(item, dict):
                for key in reversed(list(item)):
                    problem = text_problem(key)
                    if problem:
                        return path, f"has a key that {problem}"
                    stack.append((item[key], f"{path}.{key}" if path else key, depth + 1))
            else:
                for i in reversed(range(len(item))):
                    stack.append((item[i], f"{path}[{i}]", depth + 1))
    return None


def storable_json(obj: Any) -> str:
    """The object as JSON text (UTF-8 clean, no NUL, no NaN), repairing it in place first when it needs it."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or an infinity
        text = None
    if text is None or JSON_NUL in text or _lone_surrogate(text) is not None:
        repair(obj)
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    return text


def repair(value: Any) -> Any:
    """The value with every bad character replaced by U+FFFD and every NaN or infinity by null.

    Objects and arrays are repaired in place (so whoever holds them sees the repaired data) and returned.
    """
    if isinstance(value, str):
        return _BAD_TEXT.sub(REPLACEMENT, value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            for i, element in enumerate(item):
                item[i] = _repaired_leaf(element, stack)
        elif isinstance(item, dict):
            for key in list(item):
                element = _repaired_leaf(item.pop(key) if _BAD_TEXT.search(key) else item[key], stack)
                item[_BAD_TEXT.sub(REPLACEMENT, key)] = element
    return value


def _repaired_leaf(element: Any, stack: list[Any]) -> Any:
    if isinstance(element, (dict, list)):
        stack.append(element)
        return element
    return repair(element)
