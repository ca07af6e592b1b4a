"""The annotator that finds sandbox links and file_search citations in streamed text, however it is cut."""

from __future__ import annotations

import random

import pytest

from asst_tui.server.runs.annotations import MAX_HELD, Annotator, Sources

SOURCES = Sources(files={"report.csv": "file-report", "plot.png": "file-plot"}, searches=[["file-a", "file-b"], ["file-c"]])
TEXT = "See [report.csv](sandbox:/mnt/data/report.csv), or sandbox:/mnt/data/plot.png. Owls hunt at night 【0:1†owls.txt】【1:0†source】."


def annotate(pieces: list[str], sources: Sources = SOURCES) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The text and (start, end, type, file id) of each annotation, fed in these pieces."""
    annotator = Annotator(sources)
    out = []
    for piece in pieces:
        out += annotator.feed(piece)
    out += annotator.flush()
    text, found = "", []
    for value, target in out:
        if target is not None:
            found.append((len(text), len(text) + len(value), target["type"], target[target["type"]]["file_id"]))
        text += value
    return text, found


EXPECTED = [
    (TEXT.index("sandbox:/mnt/data/report.csv"), TEXT.index("sandbox:/mnt/data/report.csv") + 28, "file_path", "file-report"),
    (TEXT.index("sandbox:/mnt/data/plot.png"), TEXT.index("sandbox:/mnt/data/plot.png") + 26, "file_path", "file-plot"),
    (TEXT.index("【0:1"), TEXT.index("【0:1") + 14, "file_citation", "file-b"),
    (TEXT.index("【1:0"), TEXT.index("【1:0") + 12, "file_citation", "file-c"),
]


def test_whole_text() -> None:
    assert annotate([TEXT]) == (TEXT, EXPECTED)


@pytest.mark.parametrize("seed", range(40))
def test_cut_anywhere_the_same_annotations(seed: int) -> None:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(TEXT)), rng.randint(1, 30)))
    pieces = [TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(TEXT)])]
    assert annotate(pieces) == (TEXT, EXPECTED)


def test_one_character_at_a_time() -> None:
    assert annotate(list(TEXT)) == (TEXT, EXPECTED)


@pytest.mark.parametrize("text", [
    "sandbox:/mnt/data/unknown.csv is not a file the code wrote",
    "【2:0†source】 names a search that did not happen, 【0:9†x】 a result that doesn't exist",
    "【note】 and 【0:0 unclosed",
    "sandbox:/mnt/data/ alone",
    "a closing s",
])
def test_what_only_looks_like_a_link_or_citation_stays_plain(text: str) -> None:
    assert annotate([text]) == (text, [])
    assert annotate(list(text)) == (text, [])


def test_text_is_held_only_while_it_may_still_be_a_link() -> None:
    annotator = Annotator(SOURCES)
    assert annotator.feed("plain words ") == [("plain words ", None)]
    assert annotator.feed("then sand") == [("then ", None)]
    assert annotator.feed("wich") == [("sandwich", None)]
    assert annotator.feed("【0:") == []
    assert annotator.feed("x" * MAX_HELD) == [("【0:" + "x" * MAX_HELD, None)], "an unclosed bracket is let go"
    assert annotator.feed("【1:0\n") == [("【1:0\n", None)], "a citation never spans lines"
    assert annotator.feed("sandbox:/mnt/data/report.csv") == []
    assert annotator.flush() == [("sandbox:/mnt/data/report.csv", {"type": "file_path", "file_path": {"file_id": "file-report"}})]


def test_trailing_punctuation_is_not_part_of_the_name() -> None:
    text = "Saved as sandbox:/mnt/data/report.csv!"
    assert annotate([text]) == (text, [(9, 37, "file_path", "file-report")])
