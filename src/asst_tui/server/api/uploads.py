"""A multipart/form-data upload read as it arrives: its small fields kept, its one file streamed to FileBytes.

The file's bytes go from the request straight to the store's atomic write (a `.part` renamed when
complete), never whole into memory nor through a temporary file elsewhere; a file past the upload limit
is refused (413) as soon as it passes it, and a body that ends before its file does stores nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header
from starlette.requests import Request

from ..core.errors import APIError, bad_request
from ..core.storable import text_problem
from ..storage.interface import FileBytes

FILE_FIELD = "file"
MAX_FIELD_BYTES = 64 * 1024  # a form field (the purpose) is a word


@dataclass
class Upload:
    """What a multipart body held: its text fields, and its file (stored under `file_id`) when it had a whole one."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    size: int = 0


class _CutShort(Exception):
    """The body ended inside the file part."""


class _Parts:
    """The parser's callbacks: fields collected, the file part's bytes handed on as they come."""

    def __init__(self, boundary: bytes, max_file_bytes: int) -> None:
        self.upload = Upload()
        self.max_file_bytes = max_file_bytes
        self.file_state = "none"  # -> "open" while the file part's bytes come, -> "done"
        self.file_bytes: list[bytes] = []
        self._header = (b"", b"")
        self._disposition = b""
        self._kind = "field"
        self._name = ""
        self._data = bytearray()
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda data, start, end: self._add_header(name=data[start:end]),
                "on_header_value": lambda data, start, end: self._add_header(value=data[start:end]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def _begin(self) -> None:
        self._header, self._disposition, self._data = (b"", b""), b"", bytearray()

    def _add_header(self, name: bytes = b"", value: bytes = b"") -> None:
        self._header = (self._header[0] + name, self._header[1] + value)

    def _header_end(self) -> None:
        if self._header[0].lower() == b"content-disposition":
            self._disposition = self._header[1]
        self._header = (b"", b"")

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._kind = "field"
        elif self._name != FILE_FIELD or self.file_state != "none":
            raise bad_request("An upload takes exactly one file, in the 'file' field.", param=FILE_FIELD, code="invalid_value")
        else:
            self._kind = "file"
            self.file_state = "open"
            self.upload.filename = options[b"filename"].decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._kind == "file":
            self.upload.size += end - start
            if self.upload.size > self.max_file_bytes:
                size = f"{self.max_file_bytes / 1024 / 1024:g} MiB"
                raise APIError(413, f"The file is larger than this server accepts ({size}; the server's --max-upload-mb).", param=FILE_FIELD, code="file_too_large")
            self.file_bytes.append(data[start:end])
        else:
            self._data += data[start:end]
            if len(self._data) > MAX_FIELD_BYTES:
                raise bad_request(f"The form field '{self._name}' is too long.", param=self._name or None, code="invalid_value")

    def _part_end(self) -> None:
        if self._kind == "file":
            self.file_state = "done"
        else:
            self.upload.fields[self._name] = self._data.decode("utf-8", "replace")


async def receive_upload(request: Request, files: FileBytes, file_id: str, max_file_bytes: int) -> Upload:
    """Parse the request's multipart body, storing its file's bytes under `file_id`; 400 when the body is malformed.

    The upload has no filename when the body held no complete file; then nothing is stored.
    """
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise bad_request("The multipart upload has no boundary in its Content-Type.")
    parts = _Parts(boundary, max_file_bytes)
    body = request.stream().__aiter__()
    try:
        await _feed(parts, body, until_file=True)
        if parts.file_state != "none":
            try:
                await files.write(file_id, _file_chunks(parts, body))
            except _CutShort:
                parts.upload.filename = None
            await _feed(parts, body, until_file=False)
        parts.parser.finalize()
    except MultipartParseError as exc:
        await files.delete(file_id)
        raise bad_request(f"Could not parse the multipart upload: {exc}") from None
    except BaseException:
        await files.delete(file_id)
        raise
    name = parts.upload.filename
    if name is not None and (problem := text_problem(name)):
        await files.delete(file_id)
        raise bad_request(f"Invalid 'file': its file name {problem}.", param=FILE_FIELD, code="invalid_value")
    return parts.upload


async def _feed(parts: _Parts, body: AsyncIterator[bytes], *, until_file: bool) -> None:
    """Parse the body until the file part opens (`until_file`), or to its end."""
    while not (until_file and parts.file_state != "none"):
        chunk = await anext(body, None)
        if chunk is None:
            return
        parts.parser.write(chunk)


async def _file_chunks(parts: _Parts, body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The file part's bytes as the parser finds them; _CutShort when the body ends first."""
    while True:
        if parts.file_bytes:
            yield b"".join(parts.file_bytes)
            parts.file_bytes.clear()
        if parts.file_state == "done":
            return
        chunk = await anext(body, None)
        if chunk is None:
            raise _CutShort
        parts.parser.write(chunk)
