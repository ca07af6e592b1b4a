"""Text extraction for file_search: plain text, Markdown, source code, JSON, CSV, HTML and PDF.

`extract_text(data, filename)` returns the file's text or raises `ExtractError` with the hosted API's
`last_error` code: `unsupported_file` (binary data, a format it can't read) or `invalid_file` (empty,
too large, a broken PDF, no text at all).
"""

from __future__ import annotations

import io
import logging
from html.parser import HTMLParser
from pathlib import PurePath

MAX_FILE_BYTES = 512 * 1024 * 1024  # the hosted API's per-file limit
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg"}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "td", "th", "title", "tr", "ul",
}
# Formats that are recognisably not text, named so the error says what the file is.
MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (docx, pptx and xlsx are ZIP files: convert them to PDF or text)"),
    (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Office document (convert it to PDF or text)"),
    (b"\x7fELF", "an executable"),
)
BINARY_SAMPLE = 8192
MAX_CONTROL_SHARE = 0.05  # more control characters than this in the sample: binary, not text


class ExtractError(Exception):
    """The file can't be indexed; `code` is unsupported_file or invalid_file."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def extract_text(data: bytes, filename: str) -> str:
    """The text of a file for indexing (HTML without markup, PDF page text)."""
    if len(data) > MAX_FILE_BYTES:
        raise ExtractError("invalid_file", f"{filename} is larger than {MAX_FILE_BYTES // 2**20} MB, the limit for file_search.")
    if not data.strip():
        raise ExtractError("invalid_file", f"{filename} is empty: there is no text to index.")
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        text = _pdf_text(data, filename)
    else:
        text = decode_text(data, filename)
        if suffix in HTML_SUFFIXES:
            text = html_text(text)
    if not text.strip():
        raise ExtractError("invalid_file", f"{filename} contains no text to index.")
    return text


def decode_text(data: bytes, filename: str) -> str:
    """Bytes to str: UTF-8 (with or without BOM), UTF-16/32 with a BOM, else Latin-1; binary data is refused."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                          (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return _normalise(data.decode(encoding))
            except UnicodeDecodeError:
                break
    for magic, what in MAGIC:
        if data.startswith(magic):
            raise ExtractError("unsupported_file", f"{filename} is {what}, not a text document file_search can read.")
    if b"\x00" in data[:BINARY_SAMPLE]:
        raise ExtractError("unsupported_file", f"{filename} looks like binary data, not text.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:BINARY_SAMPLE]
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 0x7F <= ord(ch) < 0xA0)
    if control > MAX_CONTROL_SHARE * len(sample):
        raise ExtractError("unsupported_file", f"{filename} looks like binary data, not text.")
    return _normalise(text)


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _HTMLText(HTMLParser):
    """Collects an HTML document's visible text, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """Visible text of an HTML document: no tags, no script or style, one line per block."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _pdf_text(data: bytes, filename: str) -> str:
    from pypdf import PdfReader  # imported on first use: most servers never read a PDF

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed PDFs log warnings for every page
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractError("invalid_file", f"{filename} is an encrypted PDF; upload it without a password.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors for damaged files
        raise ExtractError("invalid_file", f"{filename} could not be read as a PDF: {exc}") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise ExtractError("invalid_file", f"{filename} is a PDF without extractable text (a scan or images only?).")
    return _normalise(text)
