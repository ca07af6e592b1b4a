"""What a request body may be: JSON (multipart only for uploads), and no larger than the server's limits.

A web page can send a "simple" cross-site POST without asking first only as text/plain, form-encoded or
multipart: demanding `application/json` makes every such request fail before any route sees it. The
size limits keep one request from taking the server's memory: a body is counted as it arrives and
refused (413) as soon as it passes its limit, or at once when its Content-Length says it will.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.errors import APIError
from .error_responses import error_response

UPLOAD_PATHS = {"/files"}  # the only routes that take multipart/form-data
FORM_SLACK = 1024 * 1024  # an upload's body holds the file plus its form fields and part headers
BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyGuard:
    """Refuse bodies of the wrong media type (415) or over the size limits (413) for the app inside the API prefix."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        upload = scope["path"] in UPLOAD_PATHS
        limit = self.max_upload_bytes + FORM_SLACK if upload else self.max_body_bytes
        headers = dict(scope["headers"])
        error = _media_type_error(headers, upload) or _declared_size_error(headers, limit, upload)
        if error is not None:
            await error_response(error)(scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit, upload), send)


def _media_type_error(headers: dict[bytes, bytes], upload: bool) -> APIError | None:
    declared = headers.get(b"content-type", b"").decode("latin-1")
    media_type = declared.partition(";")[0].strip().lower()
    wanted = "multipart/form-data" if upload else "application/json"
    if media_type == wanted or (not declared and _has_no_body(headers) and not upload):
        return None
    got = f"Content-Type {declared!r}" if declared else "no Content-Type"
    what = "Uploads must be multipart/form-data with 'file' and 'purpose' fields" if upload else "Request bodies must be JSON, sent as Content-Type: application/json"
    return APIError(415, f"{what}; this request has {got}.", code="unsupported_media_type")


def _has_no_body(headers: dict[bytes, bytes]) -> bool:
    return headers.get(b"content-length", b"0").strip() == b"0" and b"transfer-encoding" not in headers


def _declared_size_error(headers: dict[bytes, bytes], limit: int, upload: bool) -> APIError | None:
    try:
        declared = int(headers.get(b"content-length", b"0"))
    except ValueError:
        return None  # the HTTP server has refused a malformed length already
    return _too_large(limit, upload) if declared > limit else None


def _too_large(limit: int, upload: bool) -> APIError:
    if upload:
        return APIError(413, f"The upload is larger than this server accepts ({_mib(limit - FORM_SLACK)}; the server's --max-upload-mb).", code="file_too_large")
    return APIError(413, f"The request body is larger than this server accepts ({_mib(limit)}; the server's --max-body-mb).", code="request_too_large")


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"


def _counted(receive: Receive, limit: int, upload: bool) -> Receive:
    """`receive`, raising a 413 once the body passes `limit` bytes (a chunked body declares no length)."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit, upload)
        return message

    return counted
