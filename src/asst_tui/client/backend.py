"""Everything the TUI asks of an Assistants v2 backend, as plain dicts; failures raise only BackendError."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import openai
from openai import AsyncAzureOpenAI, AsyncOpenAI

from ..protocol import ACTIVE_RUN_STATUSES
from .errors import BackendError, from_exception
from .events import RunEvent
from .progress import ProgressFile
from .plain import plain
from .sdk_warnings import silence_assistants_deprecation
from .stream import run_events

TIMEOUT = openai.Timeout(60.0, connect=5.0)
STREAM_TIMEOUT = openai.Timeout(180.0, connect=5.0)  # runs go quiet while code runs or a model loads
PAGE = 100  # the largest page the Assistants API serves
SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


class Backend:
    """One Assistants backend (embedded server, compatible server or hosted API) over the async SDK."""

    def __init__(self, client: AsyncOpenAI, *, base_url: str, label: str, unreachable_hint: str | None = None) -> None:
        silence_assistants_deprecation()
        self._client = client
        self.base_url = base_url
        self.label = label
        self._unreachable_hint = unreachable_hint

    @classmethod
    def connect(
        cls,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        kind: str = "openai",
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        label: str = "",
        unreachable_hint: str | None = None,
    ) -> Backend:
        """Build the SDK client for a backend; no request is sent until a method is called.

        `unreachable_hint` is what errors tell the user to do when the backend can't be reached.
        """
        try:
            client = _sdk_client(
                kind,
                base_url=base_url,
                api_key=api_key,
                azure_endpoint=azure_endpoint,
                api_version=api_version,
                organization=organization,
                project=project,
            )
        except (openai.OpenAIError, ValueError) as exc:  # e.g. azure without a key or an endpoint
            raise BackendError(
                str(exc), "Check the profile's API key env var, endpoint and api_version.", kind="auth"
            ) from exc
        return cls(client, base_url=str(client.base_url).rstrip("/"), label=label, unreachable_hint=unreachable_hint)

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Turn whatever the SDK raises into a BackendError naming this backend."""
        try:
            yield
        except (openai.OpenAIError, httpx2.HTTPError, ValueError) as exc:
            raise self._error(exc) from exc

    def _error(self, exc: BaseException) -> BackendError:
        return from_exception(exc, base_url=self.base_url, unreachable_hint=self._unreachable_hint)

    # assistants

    async def list_assistants(self, limit: int = 100) -> list[dict[str, Any]]:
        """The `limit` most recently created assistants, newest first."""
        with self._mapped():
            page = await self._client.beta.assistants.list(limit=limit, order="desc")
        return [plain(a) for a in page.data]

    async def create_assistant(self, **params: Any) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.assistants.create(**params))

    async def retrieve_assistant(self, assistant_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.assistants.retrieve(assistant_id))

    async def update_assistant(self, assistant_id: str, **params: Any) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.assistants.update(assistant_id, **params))

    async def delete_assistant(self, assistant_id: str) -> None:
        with self._mapped():
            await self._client.beta.assistants.delete(assistant_id)

    # threads and messages

    async def create_thread(self, **params: Any) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.threads.create(**params))

    async def retrieve_thread(self, thread_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.threads.retrieve(thread_id))

    async def update_thread(self, thread_id: str, **params: Any) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.threads.update(thread_id, **params))

    async def delete_thread(self, thread_id: str) -> None:
        with self._mapped():
            await self._client.beta.threads.delete(thread_id)

    async def add_message(
        self, thread_id: str, text: str, attachments: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Add a user message; `attachments` are [{"file_id", "tools": [{"type": ...}]}]."""
        with self._mapped():
            message = await self._client.beta.threads.messages.create(
                thread_id, role="user", content=text, attachments=attachments or openai.omit
            )
        return plain(message)

    async def list_messages(
        self, thread_id: str, *, limit: int = 40, before: str | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """The `limit` newest messages older than message `before`, chronological, and whether older ones exist."""
        with self._mapped():
            page = await self._client.beta.threads.messages.list(
                thread_id, limit=limit, order="desc", after=before or openai.omit
            )
        has_more = page.has_more if page.has_more is not None else len(page.data) >= limit
        return [plain(m) for m in reversed(page.data)], bool(has_more)

    async def oldest_messages(self, thread_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The thread's `limit` oldest messages, chronological."""
        with self._mapped():
            page = await self._client.beta.threads.messages.list(thread_id, limit=limit, order="asc")
        return [plain(m) for m in page.data]

    async def retrieve_message(self, thread_id: str, message_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.threads.messages.retrieve(message_id, thread_id=thread_id))

    async def delete_message(self, thread_id: str, message_id: str) -> None:
        with self._mapped():
            await self._client.beta.threads.messages.delete(message_id, thread_id=thread_id)

    async def all_messages(self, thread_id: str) -> list[dict[str, Any]]:
        """Every message of the thread, chronological."""
        with self._mapped():
            pages = self._client.beta.threads.messages.list(thread_id, limit=PAGE, order="asc")
            return [plain(m) async for m in pages]

    # runs

    async def list_runs(self, thread_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The `limit` newest runs of the thread, newest first."""
        with self._mapped():
            page = await self._client.beta.threads.runs.list(thread_id, limit=limit, order="desc")
        return [plain(r) for r in page.data]

    async def all_runs(self, thread_id: str) -> list[dict[str, Any]]:
        """Every run of the thread, chronological."""
        with self._mapped():
            pages = self._client.beta.threads.runs.list(thread_id, limit=PAGE, order="asc")
            return [plain(r) async for r in pages]

    async def retrieve_run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.threads.runs.retrieve(run_id, thread_id=thread_id))

    async def active_run(self, thread_id: str) -> dict[str, Any] | None:
        """The newest run if it still holds the thread (queued, in progress, waiting or cancelling)."""
        runs = await self.list_runs(thread_id, limit=1)
        return runs[0] if runs and runs[0].get("status") in ACTIVE_RUN_STATUSES else None

    async def list_run_steps(
        self, thread_id: str, run_id: str, *, search_content: bool = False
    ) -> list[dict[str, Any]]:
        """Every step of the run, chronological; `search_content` adds the text of file-search results."""
        include = [SEARCH_CONTENT] if search_content else openai.omit
        with self._mapped():
            pages = self._client.beta.threads.runs.steps.list(
                run_id, thread_id=thread_id, limit=PAGE, order="asc", include=include
            )
            return [plain(s) async for s in pages]

    async def cancel_run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.beta.threads.runs.cancel(run_id, thread_id=thread_id))

    def stream_run(self, thread_id: str, assistant_id: str, **overrides: Any) -> AsyncIterator[RunEvent]:
        """Start a run and stream it; `overrides` are run parameters (instructions, model, tools...)."""
        return run_events(
            lambda: self._client.beta.threads.runs.with_streaming_response.create(
                thread_id, assistant_id=assistant_id, stream=True, timeout=STREAM_TIMEOUT, **overrides
            ),
            to_error=self._error,
        )

    def submit_tool_outputs(
        self, thread_id: str, run_id: str, outputs: list[dict[str, Any]]
    ) -> AsyncIterator[RunEvent]:
        """Answer a `requires_action` run with [{"tool_call_id", "output"}] and stream the rest of it."""
        return run_events(
            lambda: self._client.beta.threads.runs.with_streaming_response.submit_tool_outputs(
                run_id, thread_id=thread_id, tool_outputs=outputs, stream=True, timeout=STREAM_TIMEOUT
            ),
            to_error=self._error,
        )

    # files

    async def file_info(self, file_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.files.retrieve(file_id))

    async def upload_file(
        self, path: Path, purpose: str = "assistants", progress: Callable[[int, int], None] | None = None
    ) -> dict[str, Any]:
        """Upload a local file; `progress(sent, total)` is called as its bytes go out."""
        try:
            opened = ProgressFile(path, progress)
        except OSError as exc:
            raise BackendError(f"Cannot read {path}: {exc.strerror or exc}", "Check the path and its permissions.", kind="bad_request") from exc
        with self._mapped(), opened as file:
            return plain(await self._client.files.create(file=(path.name, file), purpose=purpose))

    async def delete_file(self, file_id: str) -> None:
        with self._mapped():
            await self._client.files.delete(file_id)

    async def create_vector_store(self, **params: Any) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.vector_stores.create(**params))

    async def vector_store(self, vector_store_id: str) -> dict[str, Any]:
        with self._mapped():
            return plain(await self._client.vector_stores.retrieve(vector_store_id))

    async def vector_store_files(self, vector_store_id: str) -> list[dict[str, Any]]:
        """Every file of the vector store with its ingest status and last_error."""
        with self._mapped():
            pages = self._client.vector_stores.files.list(vector_store_id, limit=PAGE)
            return [plain(f) async for f in pages]

    async def remove_vector_store_file(self, vector_store_id: str, file_id: str) -> None:
        with self._mapped():
            await self._client.vector_stores.files.delete(file_id, vector_store_id=vector_store_id)

    async def file_content(self, file_id: str) -> bytes:
        with self._mapped():
            response = await self._client.files.content(file_id)
            return response.content

    async def close(self) -> None:
        await self._client.close()


def _sdk_client(
    kind: str,
    *,
    base_url: str | None,
    api_key: str | None,
    azure_endpoint: str | None,
    api_version: str | None,
    organization: str | None,
    project: str | None,
) -> AsyncOpenAI:
    if kind == "azure":
        return AsyncAzureOpenAI(
            azure_endpoint=azure_endpoint,
            api_version=api_version,
            api_key=api_key,
            organization=organization,
            project=project,
            max_retries=1,
            timeout=TIMEOUT,
        )
    if kind in ("local", "openai"):
        return AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "local-no-key",
            organization=organization,
            project=project,
            max_retries=1,
            timeout=TIMEOUT,
        )
    raise BackendError(
        f"Unknown profile kind {kind!r}", "Set the profile's kind to local, openai or azure.", kind="bad_request"
    )
