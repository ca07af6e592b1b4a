"""Thread transcripts: fetch everything a thread holds, render it as Markdown or JSON, save it safely."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from asst_tui.atomic import write_bytes_atomic, write_text_atomic

from .backend import Backend
from .errors import BackendError
from .thread_dump import ThreadDump, attached_file_ids, cited_file_ids, image_file_ids
from .transcript_markdown import render_markdown

FORMAT = "asst-tui-transcript/1"
EXTENSIONS = {"md": ".md", "markdown": ".md", "json": ".json"}
SLUG_MAX = 60
SLUG_MAX_BYTES = 180
STEP_REQUESTS = 8  # run-step listings fetched at once


async def fetch_dump(backend: Backend, thread_id: str) -> ThreadDump:
    """Everything the thread holds; names of cited files are looked up where the backend still has them."""
    thread = await backend.retrieve_thread(thread_id)
    messages = await backend.all_messages(thread_id)
    runs = await backend.all_runs(thread_id)
    gate = asyncio.Semaphore(STEP_REQUESTS)

    async def steps_of(run_id: str) -> list[dict[str, Any]]:
        async with gate:
            return await backend.list_run_steps(thread_id, run_id)

    listed = await asyncio.gather(*(steps_of(run["id"]) for run in runs))
    steps = dict(zip((r["id"] for r in runs), listed))
    images = image_file_ids(messages, steps)
    files = {}
    for file_id in sorted(cited_file_ids(messages) | attached_file_ids(messages) | set(images)):
        try:
            files[file_id] = await backend.file_info(file_id)
        except BackendError:  # deleted or not readable: the transcript names it by id
            continue
    contents = {}
    for file_id in images:
        try:
            contents[file_id] = await backend.file_content(file_id)
        except BackendError:  # the transcript names it instead of showing it
            continue
    return ThreadDump(thread, messages, runs, steps, files, contents)


def to_markdown(dump: ThreadDump, title: str, image_links: dict[str, str] | None = None) -> str:
    """The thread as Markdown: messages as written, each run's tool calls in its reply, citations as footnotes.

    `image_links` (file id -> relative path) shows images saved beside the transcript; others are named.
    """
    return render_markdown(dump, title, image_links or {})


def to_json(dump: ThreadDump) -> str:
    """Every object as the server returned it, with the export time and the format name."""
    document = {
        "format": FORMAT,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "thread": dump.thread,
        "messages": dump.messages,
        "runs": dump.runs,
        "steps": dump.steps,
        "files": dump.files,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def transcript_filename(title: str, when: datetime, fmt: str) -> str:
    """`<slug of title>-YYYY-MM-DD-HHMM.<md|json>`; the slug keeps letters and digits of any script."""
    return f"{_slug(title)}-{when:%Y-%m-%d-%H%M}{_extension(fmt)}"


def _slug(title: str) -> str:
    """Letters, marks and digits of any script, casefolded; every other run of characters becomes "-"."""
    text = unicodedata.normalize("NFKC", title).casefold()
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else "-" for ch in text)
    slug = re.sub(r"-{2,}", "-", kept).strip("-")[:SLUG_MAX]
    while len(slug.encode("utf-8")) > SLUG_MAX_BYTES:  # file names are limited in bytes too
        slug = slug[:-1]
    return slug.rstrip("-") or "thread"


def _extension(fmt: str) -> str:
    try:
        return EXTENSIONS[fmt]
    except KeyError:
        raise ValueError(f"unknown transcript format {fmt!r} (expected md or json)") from None


def save_transcript(
    dump: ThreadDump, directory: Path, fmt: str, title: str, now: datetime | None = None
) -> Path:
    """Write the transcript into `directory` under a new name (never over an existing file); return its path.

    A Markdown transcript's images go into `<name>-files/` beside it, linked by relative paths.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = Path(transcript_filename(title, now or datetime.now(), fmt))
    path = _claim(directory, name.stem, name.suffix)
    try:
        write_transcript(dump, path, fmt, title)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write_transcript(dump: ThreadDump, path: Path, fmt: str, title: str) -> None:
    """Write the transcript to `path` (replacing it); Markdown's images go into `<stem>-files/` beside it."""
    if _extension(fmt) == ".json":
        write_text_atomic(path, to_json(dump))
    else:
        write_text_atomic(path, to_markdown(dump, title, _save_images(dump, Path(path))))


def _save_images(dump: ThreadDump, transcript: Path) -> dict[str, str]:
    """Save the dump's images into `<transcript stem>-files/`; file id -> the path relative to the transcript."""
    links = {}
    folder = f"{transcript.stem}-files"
    for file_id, data in dump.images.items():
        suffix = Path((dump.files.get(file_id) or {}).get("filename") or "").suffix.lower()
        suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".png"
        safe_id = re.sub(r"[^A-Za-z0-9_-]", "_", file_id)
        write_bytes_atomic(transcript.parent / folder / f"{safe_id}{suffix}", data)
        links[file_id] = f"{folder}/{safe_id}{suffix}"
    return links


def _claim(directory: Path, stem: str, suffix: str) -> Path:
    """Create an empty file under the first free name (stem, stem-2, stem-3...) and return it."""
    number = 1
    while True:
        path = directory / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        try:
            path.open("x").close()
        except FileExistsError:
            number += 1
            continue
        return path
