"""The `code` of a python tool call, decoded from its JSON arguments while they stream in."""

from __future__ import annotations

import json
import re

CODE_KEY = re.compile(r'"code"\s*:\s*"')
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}


class CodeStream:
    """Feed argument fragments, get the newly decoded code back; arguments that aren't JSON are code as is."""

    def __init__(self) -> None:
        self.raw = ""
        self._plain: bool | None = None  # None until the first non-blank character says which
        self._pos: int | None = None  # where the undecoded rest of the code string starts in `raw`
        self._closed = False
        self._decoded = ""

    def feed(self, fragment: str) -> str:
        self.raw += fragment
        if self._plain is None:
            if not self.raw.strip():
                return ""
            self._plain = not self.raw.lstrip().startswith("{")
            if self._plain:
                return self.raw
        if self._plain:
            return fragment
        if self._pos is None:
            match = CODE_KEY.search(self.raw)
            if match is None:
                return ""
            self._pos = match.end()
        return self._decode()

    def code(self) -> str:
        """The whole code once the arguments are complete."""
        if self._plain:
            return self.raw
        try:
            args = json.loads(self.raw)
        except ValueError:
            args = None
        if isinstance(args, dict) and isinstance(args.get("code"), str):
            return args["code"]
        return self._decoded if self._pos is not None else self.raw

    def _decode(self) -> str:
        if self._closed or self._pos is None:
            return ""
        text, self._pos, self._closed = _decode_prefix(self.raw, self._pos)
        self._decoded += text
        return text


def _decode_prefix(raw: str, pos: int) -> tuple[str, int, bool]:
    """Decode a JSON string body from `pos` as far as it is complete: (text, next position, closing quote seen)."""
    out: list[str] = []
    i = pos
    while i < len(raw):
        char = raw[i]
        if char == '"':
            return "".join(out), i + 1, True
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(raw):
            break
        if raw[i + 1] != "u":
            out.append(ESCAPES.get(raw[i + 1], raw[i + 1]))
            i += 2
            continue
        if i + 6 > len(raw):
            break
        try:
            unit = int(raw[i + 2 : i + 6], 16)
        except ValueError:
            unit = 0xFFFD
        if 0xD800 <= unit < 0xDC00:  # a high surrogate: wait for its low half
            if i + 12 > len(raw):
                break
            try:
                low = int(raw[i + 8 : i + 12], 16) if raw[i + 6 : i + 8] == "\\u" else -1
            except ValueError:
                low = -1
            if 0xDC00 <= low < 0xE000:
                out.append(chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
                i += 12
                continue
            unit = 0xFFFD
        out.append(chr(unit))
        i += 6
    return "".join(out), i, False
