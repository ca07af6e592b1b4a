"""Data text (model output, logs, file names, titles, arguments) made safe to show on a terminal.

Data never reaches the terminal as control codes. `visible` makes every control character visible:

- C0 controls (except newline and tab) and DEL become their Unicode control pictures:
  ESC -> "␛", BEL -> "␇", CR -> "␍", NUL -> "␀", DEL -> "␡". A CR LF pair is a line break
  and becomes "\\n".
- C1 controls (U+0080..U+009F, e.g. the single-byte CSI U+009B) have no control picture and
  become the escape text "\\x9b"; so do the bidirectional embedding, override and isolate
  controls (U+202A..U+202E, U+2066..U+2069), written "\\u202e".

UI-free: the commands print with it, the TUI shows with it (tui/text.py adds the Rich side).
"""

from __future__ import annotations

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
_ESCAPES = {code: f"\\x{code:02x}" for code in range(0x80, 0xA0)}
_BIDI = {code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_TABLE = {**_C0_PICTURES, 0x7F: "\u2421", **_ESCAPES, **_BIDI}


def visible(s: str) -> str:
    """Return `s` with every control character except newline and tab replaced by a visible form."""
    return s.replace("\r\n", "\n").translate(_TABLE)
