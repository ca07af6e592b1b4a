"""A reply rendered block by block gives exactly the lines Rich gives for the whole text, streamed or not."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rich.console import Console
from rich.markdown import Markdown

from asst_tui.server.runs.engines.lorem import lorem_markdown
from asst_tui.tui.markdown_blocks import split_blocks
from asst_tui.tui.markdown_lines import BLANK, encode, gap_before, render_block
from asst_tui.tui.widgets.chat_entry import Entry

DOCUMENTS = [
    lorem_markdown(3000),
    "1. a\n\n2. b\n\n3. c\n\npara",  # a loose list stays one list
    "- a\n  - nested\n\n  more of a\n\n- b\n\n```\ncode\n\n\nstill code\n```\n\n1) x\n\n2) y\n\n- z",
    "> quote\n\n> more",
    "para\n\n    indented code\n\nafter",
    "# Title\n\ntext\n\n## h2\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n***\n\nend",  # a rule sets off nothing
    "***\n\n- a\n\n***\n\n> q\n\n***\n\npara\n\n***",
    "Here is the code:\n\n```python\nprint(1)\n```\n\nThe report agrees [1].\n\n---\n1. `notes.md`: “x”\n2. file `f`",
    "<div>html</div>\n\npara\n\n<b>x</b>",
    "Setext\n===\n\npara\n---\n\nx",
    "`unclosed\n\n**bold\n\nx",
    "text\n\n\n\n\nmore   \n\n",
    "",
]
console = Console(width=120, color_system="truecolor", force_terminal=True)


def whole(source: str, width: int) -> list:
    markdown = Markdown(source, code_theme="monokai", hyperlinks=False)
    return [encode(line) for line in console.render_lines(markdown, console.options.update(width=width), pad=False)]


def joined(blocks: list[str], width: int) -> list:
    lines: list = []
    gap = False
    for index, block in enumerate(blocks):
        rendered = render_block(console, block, width, "monokai")
        if index:
            lines += [BLANK] * gap_before(rendered.lead, gap)
        lines += rendered.lines
        if rendered.gap_after is not None:
            gap = rendered.gap_after
    return lines


@pytest.mark.parametrize("width", [30, 77, 117])
@pytest.mark.parametrize("source", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_blocks_render_as_the_whole_text(source: str, width: int) -> None:
    blocks = split_blocks(source)
    assert "".join(blocks) == source
    assert joined(blocks, width) == whole(source, width)


@pytest.mark.parametrize("chunk", [1, 7, 200])
def test_streamed_text_ends_in_the_same_blocks(chunk: int) -> None:
    source = DOCUMENTS[0][:6000] + "\n\n" + DOCUMENTS[2]
    entry = Entry("assistant")
    for start in range(0, len(source), chunk):
        entry.append(source[start:start + chunk])
    entry.complete()
    assert entry.source == source
    assert [block.source for block in entry.blocks] == split_blocks(source)


def test_warm_up_compiles_the_python_lexer_before_the_first_code_block() -> None:
    probe = (
        "from pygments.lexers.python import PythonLexer\n"
        "assert '_tokens' not in PythonLexer.__dict__\n"
        "from asst_tui.tui.markdown_lines import warm_up\n"
        "warm_up()\n"
        "assert '_tokens' in PythonLexer.__dict__\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
