"""Markdown blocks rendered by Rich into compact lines, and the rule that joins blocks as Rich joins them.

A rendered line is kept as its text and a tuple of (characters, style number) pairs, not as Rich
segments: a 100,000-word reply is ~20,000 lines, and as segments that was ~200,000 objects for every
garbage collection to walk; as text and integers it is two objects a line that the collector stops
tracking. The styles themselves are numbered once in `STYLES`. Rich's parse tree is dropped once the
block is rendered.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.console import Console
    from rich.markdown import Markdown

Line = tuple[str, tuple[int, ...]]  # the line's text, then (characters, style number) for each run
BLANK: Line = ("", ())


class StyleTable:
    """Every distinct style a rendered line uses, numbered; number 0 is no style."""

    def __init__(self) -> None:
        self.styles: list[Style | None] = [None]
        self._numbers: dict[Style | None, int] = {None: 0}

    def number(self, style: Style | None) -> int:
        found = self._numbers.get(style)
        if found is None:
            found = self._numbers[style] = len(self.styles)
            self.styles.append(style)
        return found


STYLES = StyleTable()


@dataclass(slots=True)
class RenderedBlock:
    lines: list[Line]
    lead: bool  # Rich began the block with a blank line of its own (lists, quotes, tables do)
    gap_after: bool | None  # whether Rich sets the next block off by a blank line (not after a rule); None: no element


def encode(segments: list[Segment]) -> Line:
    """One line of Rich segments as compact text and runs (runs of the same style merged)."""
    texts: list[str] = []
    runs: list[int] = []
    number = STYLES.number
    for text, style, control in segments:
        if control or not text:
            continue
        texts.append(text)
        style_number = number(style)
        if runs and runs[-1] == style_number:
            runs[-2] += len(text)
        else:
            runs += (len(text), style_number)
    return "".join(texts), tuple(runs)


def decode(line: Line) -> list[Segment]:
    """The Rich segments of a compact line."""
    text, runs = line
    styles = STYLES.styles
    segments = []
    start = 0
    for index in range(0, len(runs), 2):
        end = start + runs[index]
        segments.append(Segment(text[start:end], styles[runs[index + 1]]))
        start = end
    return segments


_templates: dict[str, Markdown] = {}  # code theme -> an empty Markdown, copied for each block
_parser: list[MarkdownIt] = []


def _markdown(source: str, code_theme: str) -> Markdown:
    """Rich's Markdown of `source`, parsed by one shared markdown-it parser.

    Rich builds a parser for every Markdown (0.36 ms, a sixth of rendering a paragraph block). This one
    is configured as Rich configures its own (the block tests compare the two renderings); the rest of the
    object is a copy of an empty Markdown, so every setting Rich keeps on it is there.
    """
    from rich.markdown import Markdown  # markdown-it and pygments: not before the first frame

    if not _parser:
        from markdown_it import MarkdownIt

        _parser.append(MarkdownIt().enable("strikethrough").enable("table"))
    template = _templates.get(code_theme)
    if template is None:
        template = _templates[code_theme] = Markdown("", code_theme=code_theme, hyperlinks=False)
    markdown = copy.copy(template)
    markdown.markup, markdown.parsed = source, _parser[0].parse(source)
    return markdown


def render_block(console: Console, source: str, width: int, code_theme: str) -> RenderedBlock:
    """One block of Markdown as Rich renders it at `width` (links as text: a terminal may not open them)."""
    markdown = _markdown(source, code_theme)
    segments = list(console.render(markdown, console.options.update(width=width, height=None)))
    lead = bool(segments) and segments[0].text == "\n" and segments[0].style is None
    lines = [encode(line) for line in Segment.split_and_crop_lines(segments, width, pad=False, include_new_lines=False)]
    parsed = markdown.parsed
    return RenderedBlock(lines, lead, parsed[-1].type != "hr" if parsed else None)


WARM_UP = "```python\nx = 1\n```\n\n```bash\necho x\n```\n\n```json\n{}\n```\n\n```javascript\nlet x\n```\n\n| a |\n|---|\n| b |\n"


def warm_up() -> None:
    """Load Rich's Markdown and compile the Pygments lexers code blocks use most (the Python one took 0.56 s
    at the first code block). Run in a thread after the first frame; the compiled lexers are kept per class.

    What it loaded lives as long as the process, like the imports frozen at startup (see gc_policy), so it
    is frozen too: otherwise the first full collection after it walks those tens of thousands of objects. Garbage
    frozen with them goes at the next idle collection, which unfreezes everything.
    """
    import gc
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=80, color_system="truecolor", force_terminal=True)
    render_block(console, WARM_UP, 80, "monokai")
    gc.freeze()


def gap_before(lead: bool, gap_after_previous: bool) -> int:
    """Blank lines Rich puts between a block and the one before it, when rendering them as one text."""
    return 1 if gap_after_previous and not lead else 0


def guess_lead(source: str) -> bool:
    """Before a block is rendered: whether Rich will begin it with a blank line (for its estimated height)."""
    first = source.lstrip()[:2]
    return first[:1] in (">", "|") or first in ("- ", "* ", "+ ") or (first[:1].isdigit() and ". " in source[:12])
