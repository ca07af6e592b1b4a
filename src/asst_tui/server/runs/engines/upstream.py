"""Streaming Chat Completions calls to an OpenAI-compatible upstream; every failure becomes a RunFailed."""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx2

from ...config import public_url
from ..outcomes import RunFailed

RATE_LIMIT_RETRIES = 2  # a 429 is retried this many times before the run fails
MAX_RETRY_WAIT_S = 8.0  # a longer Retry-After is cut to this
DEFAULT_RETRY_WAIT_S = 1.0
CONNECT_TIMEOUT_S = 15.0
MAX_DETAIL_CHARS = 300
KEY_LIKE = re.compile(r"\bsk-[\w*-]{6,}")  # OpenAI-style keys, even masked ones an upstream echoes
STATUS_CODES = {400: "invalid_prompt", 404: "invalid_prompt", 413: "invalid_prompt", 422: "invalid_prompt", 429: "rate_limit_exceeded"}
_ssl_context: ssl.SSLContext | None = None


class Upstream:
    """One Chat Completions endpoint: `base_url` + /chat/completions, with an optional bearer key."""

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.name = urlsplit(public_url(base_url)).netloc  # host[:port], what messages call it
        self.is_openai = self.name == "api.openai.com"
        self.timeout_s = timeout_s
        self._connect_timeout_s = min(timeout_s, CONNECT_TIMEOUT_S)
        self._key = api_key

    @asynccontextmanager
    async def session(self) -> AsyncIterator[httpx2.AsyncClient]:
        """An HTTP client for one engine call; closing it drops any stream still open."""
        global _ssl_context
        if _ssl_context is None:  # loading CA certificates takes ~20 ms, and httpx2 does it for every client otherwise
            _ssl_context = await asyncio.to_thread(httpx2.create_ssl_context)
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        timeout = httpx2.Timeout(self.timeout_s, connect=self._connect_timeout_s)
        async with httpx2.AsyncClient(headers=headers, timeout=timeout, verify=_ssl_context) as http:
            yield http

    async def stream(self, http: httpx2.AsyncClient, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Yield the stream's chunks as they arrive; ends after a finish_reason (and the usage chunk)."""
        try:
            for attempt in range(RATE_LIMIT_RETRIES + 1):
                async with http.stream("POST", self.url, json=body) as response:
                    if response.status_code < 400:
                        async for chunk in self._chunks(response):
                            yield chunk
                        return
                    if response.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                        raise self._status_error(response.status_code, await response.aread(), attempt)
                    wait = retry_after(response.headers)
                await asyncio.sleep(wait)
        except httpx2.ConnectTimeout:
            raise self.failed("server_error", f"did not accept the connection for {self._connect_timeout_s:g} s") from None
        except httpx2.TimeoutException:
            raise self.failed("server_error", f"stalled: no data for {self.timeout_s:g} s") from None
        except httpx2.ConnectError as exc:
            raise self.failed("server_error", f"can't connect ({_reason(exc)}); is it running, and is the base URL right") from None
        except (httpx2.RemoteProtocolError, httpx2.ReadError):
            raise self.failed("server_error", "closed the connection mid-stream (the stream was truncated)") from None
        except httpx2.SSEError as exc:
            raise self.failed("server_error", f"did not answer with an event stream ({exc})") from None
        except httpx2.HTTPError as exc:
            raise self.failed("server_error", f"request failed ({type(exc).__name__}: {_reason(exc)})") from None

    async def _chunks(self, response: httpx2.Response) -> AsyncIterator[dict[str, Any]]:
        finished = False
        async for event in httpx2.EventSource(response):
            if event.data.strip() == "[DONE]":
                finished = True
                break
            try:
                chunk = json.loads(event.data)
            except ValueError:
                raise self.failed("server_error", f"sent a malformed stream chunk (not JSON): {event.data[:80]!r}") from None
            if not isinstance(chunk, dict):
                raise self.failed("server_error", f"sent a stream chunk that is not an object: {event.data[:80]!r}")
            if chunk.get("error"):
                raise self.failed("server_error", f"reported an error mid-stream: {_error_detail(chunk)}")
            finished = finished or any(c.get("finish_reason") for c in chunk.get("choices") or [] if isinstance(c, dict))
            yield chunk
        if not finished:
            raise self.failed("server_error", "ended the stream before the reply was finished (no finish_reason, no [DONE])")

    def _status_error(self, status: int, raw: bytes, retries: int) -> RunFailed:
        detail = _error_detail(_json_or_text(raw))
        reason = f"{status} {httpx2.codes.get_reason_phrase(status) or 'error'}"
        if status in (401, 403):
            problem = "refused the API key" if self._key else "wants an API key, and none is set"
            return self.failed("server_error", f"{problem} ({reason}); name the variable that holds it: asst-tui serve --upstream-api-key-env NAME")
        if status == 429:
            tries = f" after {retries + 1} tries" if retries else ""
            return self.failed("rate_limit_exceeded", f"rate-limited the request ({reason}{tries}): {detail}")
        code = STATUS_CODES.get(status, "server_error")
        hint = "; check the model name (or the model map) and the base URL" if status == 404 else ""
        return self.failed(code, f"refused the request ({reason}): {detail}{hint}" if status < 500 else f"failed ({reason}): {detail}")

    def failed(self, code: str, cause: str) -> RunFailed:
        """A RunFailed whose message names the upstream and the cause, with anything key-like removed."""
        return RunFailed(code, self.redact(f"The upstream {self.name} {cause}."))

    def redact(self, text: str) -> str:
        if self._key:
            text = text.replace(self._key, "[redacted]")
        return KEY_LIKE.sub("[redacted]", text)


def retry_after(headers: httpx2.Headers) -> float:
    """Seconds to wait before retrying a 429: retry-after-ms, Retry-After (seconds or a date), capped."""
    wait = DEFAULT_RETRY_WAIT_S
    try:
        if "retry-after-ms" in headers:
            wait = float(headers["retry-after-ms"]) / 1000
        elif "retry-after" in headers:
            value = headers["retry-after"]
            try:
                wait = float(value)
            except ValueError:
                wait = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError, OverflowError):
        pass
    return min(max(wait, 0.0), MAX_RETRY_WAIT_S)


def _json_or_text(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _error_detail(body: Any) -> str:
    """The message of an OpenAI-style `{"error": {"message"}}`, an Ollama-style `{"error": "..."}` or plain text."""
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error)
    text = " ".join(str(error).split()) or "no details given"
    return text if len(text) <= MAX_DETAIL_CHARS else text[:MAX_DETAIL_CHARS] + "…"


def _reason(exc: BaseException) -> str:
    """What went wrong underneath an httpx2 error, in a few words."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "unknown host name"
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__
