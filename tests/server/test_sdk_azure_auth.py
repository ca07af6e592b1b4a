"""The Azure flavour (`AzureOpenAI`, /openai/... + api-version + api-key) and the optional server key."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import openai
import pytest

from asst_tui.server import EmbeddedServer

from .conftest import MODEL, message_text, sync_client

API_VERSION = "2024-05-01-preview"


def _origin(srv: EmbeddedServer) -> str:
    return srv.base_url.removesuffix("/v1")


def _azure(srv: EmbeddedServer, api_key: str = "azure-key") -> openai.AzureOpenAI:
    return openai.AzureOpenAI(azure_endpoint=_origin(srv), api_version=API_VERSION, api_key=api_key, max_retries=0, timeout=30)


def _raw(url: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _assert_error_shape(body: Any, code: str | None = None) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code


def test_azure_client_round_trip(server: EmbeddedServer) -> None:
    with _azure(server) as azure:
        assert str(azure.base_url).startswith(_origin(server) + "/openai")
        assistant = azure.beta.assistants.create(model=MODEL, name="Azure assistant", instructions="Be Azure.")
        assert azure.beta.assistants.retrieve(assistant.id).name == "Azure assistant"
        thread = azure.beta.threads.create(messages=[{"role": "user", "content": "/lorem 20"}])
        with azure.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
            text = "".join(stream.text_deltas)
            run = stream.get_final_run()
        assert run.status == "completed" and len(text.split()) >= 20
        messages = azure.beta.threads.messages.list(thread.id)
        assert message_text(messages.data[0]) == text
        upload = azure.files.create(file=("az.bin", b"\x00azure\xff"), purpose="assistants")
        assert azure.files.content(upload.id).read() == b"\x00azure\xff"
        assert azure.beta.assistants.delete(assistant.id).deleted is True
    # The same objects are visible through /v1.
    with sync_client(server.base_url) as client:
        assert client.beta.threads.retrieve(thread.id).id == thread.id


def test_azure_path_without_api_version_is_a_400(server: EmbeddedServer) -> None:
    status, body = _raw(f"{_origin(server)}/openai/assistants", headers={"api-key": "x"})
    assert status == 400
    _assert_error_shape(body, "missing_required_parameter")
    assert "api-version" in body["error"]["message"] and body["error"]["param"] == "api-version"
    status, body = _raw(f"{_origin(server)}/openai/assistants?api-version={API_VERSION}", headers={"api-key": "x"})
    assert status == 200 and body["object"] == "list"


def test_unknown_path_outside_the_api_is_a_404_in_error_shape(server: EmbeddedServer) -> None:
    status, body = _raw(f"{_origin(server)}/assistants")
    assert status == 404
    _assert_error_shape(body)


def test_server_key_is_required_when_set(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server(api_key="k")

    status, body = _raw(f"{srv.base_url}/assistants")
    assert status == 401
    _assert_error_shape(body, "invalid_api_key")
    status, body = _raw(f"{srv.base_url}/assistants", method="POST", body={"model": MODEL})
    assert status == 401
    status, body = _raw(f"{srv.base_url}/assistants", headers={"Authorization": "Bearer k"})
    assert status == 200 and body["object"] == "list"
    status, body = _raw(f"{srv.base_url}/assistants", headers={"api-key": "k"})
    assert status == 200
    status, body = _raw(f"{srv.base_url}/assistants", headers={"Authorization": "Bearer kk"})
    assert status == 401

    with sync_client(srv.base_url, api_key="wrong") as bad, pytest.raises(openai.AuthenticationError) as err:
        bad.beta.assistants.create(model=MODEL)
    assert err.value.status_code == 401 and err.value.code == "invalid_api_key"

    with sync_client(srv.base_url, api_key="k") as good:
        assistant = good.beta.assistants.create(model=MODEL)
        thread = good.beta.threads.create(messages=[{"role": "user", "content": "keyed"}])
        with good.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id) as stream:
            stream.until_done()
            assert stream.get_final_run().status == "completed"
        # The refused create above left nothing behind.
        assert [a.id for a in good.beta.assistants.list()] == [assistant.id]

    with _azure(srv, api_key="k") as azure:  # the api-key header
        assert azure.beta.threads.retrieve(thread.id).id == thread.id
    with _azure(srv, api_key="nope") as azure, pytest.raises(openai.AuthenticationError):
        azure.beta.threads.retrieve(thread.id)
