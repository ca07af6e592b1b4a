"""backend_for_profile, and the Assistants deprecation filter (by message, only for this package's calls)."""

from __future__ import annotations

import warnings
from typing import Any

import openai
import pytest

from asst_tui.client.backend import Backend
from asst_tui.client.errors import BackendError
from asst_tui.client.profiles import backend_for_profile
from asst_tui.client.sdk_warnings import silence_assistants_deprecation
from asst_tui.config import Profile
from asst_tui.server import EmbeddedServer

from .conftest import API_KEY


async def test_local_profile_uses_the_embedded_server_url(embedded: EmbeddedServer) -> None:
    profile = Profile("local", "local", api_key=API_KEY)
    backend = backend_for_profile(profile, base_url_override=embedded.base_url)
    try:
        assert (backend.base_url, backend.label) == (embedded.base_url, "local")
        assert isinstance(await backend.list_assistants(), list)
    finally:
        await backend.close()


def test_local_profile_without_a_url_is_refused() -> None:
    with pytest.raises(BackendError) as caught:
        backend_for_profile(Profile("local", "local"))
    assert caught.value.kind == "bad_request"


async def test_key_comes_from_the_named_env_var(embedded: EmbeddedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASST_TUI_TEST_KEY", API_KEY)
    profile = Profile("remote", "openai", base_url=embedded.base_url, api_key_env="ASST_TUI_TEST_KEY")
    backend = backend_for_profile(profile)
    try:
        assert isinstance(await backend.list_assistants(), list)
    finally:
        await backend.close()
    monkeypatch.setenv("ASST_TUI_TEST_KEY", "sk-wrong")
    backend = backend_for_profile(profile)
    try:
        with pytest.raises(BackendError) as caught:
            await backend.list_assistants()
        assert caught.value.kind == "auth"
    finally:
        await backend.close()


async def test_azure_profile_builds_an_azure_client() -> None:
    profile = Profile("az", "azure", azure_endpoint="https://example.openai.azure.com", api_version="2024-05-01-preview", api_key="k")
    backend = backend_for_profile(profile)
    try:
        assert isinstance(backend._client, openai.AsyncAzureOpenAI)
        assert backend.base_url.startswith("https://example.openai.azure.com/openai")
    finally:
        await backend.close()


def test_unknown_kind_is_a_backend_error() -> None:
    with pytest.raises(BackendError):
        Backend.connect(kind="bedrock", base_url="http://127.0.0.1:1/v1")


async def test_no_deprecation_warning_escapes_the_client(backend: Backend, assistant: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        silence_assistants_deprecation()  # a fresh filter list: install ours again on top of "error"
        thread = await backend.create_thread()
        await backend.add_message(thread["id"], "hi")
        events = [e async for e in backend.stream_run(thread["id"], assistant["id"])]
        await backend.list_run_steps(thread["id"], events[-1].run_id)
        await backend.list_assistants()
        await backend.retrieve_assistant(assistant["id"])


def test_the_filter_is_not_global() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        silence_assistants_deprecation()
        warnings.warn("deprecated", DeprecationWarning, stacklevel=1)  # the bare message, from another module
        warnings.warn("something else is deprecated", DeprecationWarning, stacklevel=1)
        warnings.warn("The Assistants API is deprecated in favor of the Responses API", DeprecationWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["deprecated", "something else is deprecated"]
