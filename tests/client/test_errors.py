"""BackendError mapping from the SDK's own exception objects (built as the SDK builds them)."""

from __future__ import annotations

import httpx2
import openai
import pytest

from asst_tui.client.errors import BackendError, from_exception

URL = "http://127.0.0.1:8766/v1"


def _response(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, request=httpx2.Request("POST", f"{URL}/threads/t/runs"))


def _status_error(cls: type[openai.APIStatusError], status: int, message: str, **headers: str) -> openai.APIStatusError:
    body = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    return cls(f"Error code: {status} - {message}", response=_response(status, headers), body=body)


def test_str_is_message_dash_hint() -> None:
    error = BackendError("It broke", "Fix it.", kind="server", status=500)
    assert str(error) == "It broke — Fix it."
    assert (error.message, error.hint, error.kind, error.status) == ("It broke", "Fix it.", "server", 500)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        BackendError("x", "y", kind="weird")


def test_connection_error_names_the_base_url() -> None:
    exc = openai.APIConnectionError(request=httpx2.Request("GET", f"{URL}/assistants"))
    error = from_exception(exc, base_url=URL)
    assert error.kind == "connection"
    assert error.message == f"Can't reach {URL}"
    assert error.hint == "Is the server running? Check the profile's base_url."


def test_connection_error_with_the_backend_s_own_hint() -> None:
    exc = openai.APIConnectionError(request=httpx2.Request("GET", f"{URL}/assistants"))
    error = from_exception(exc, base_url=URL, unreachable_hint="The embedded server stopped.")
    assert (error.kind, error.message, error.hint) == ("connection", f"Can't reach {URL}", "The embedded server stopped.")


def test_connection_error_without_base_url_names_the_origin() -> None:
    exc = openai.APIConnectionError(request=httpx2.Request("GET", "http://10.1.2.3:9/v1/threads"))
    assert from_exception(exc).message == "Can't reach http://10.1.2.3:9"


def test_timeout() -> None:
    exc = openai.APITimeoutError(request=httpx2.Request("GET", f"{URL}/threads/t"))
    error = from_exception(exc, base_url=URL)
    assert error.kind == "timeout"
    assert URL in error.message


def test_authentication() -> None:
    error = from_exception(_status_error(openai.AuthenticationError, 401, "Invalid API key"), base_url=URL)
    assert (error.kind, error.status) == ("auth", 401)
    assert "Invalid API key" in error.message
    assert "API key env var" in error.hint


def test_not_found_keeps_the_server_message() -> None:
    error = from_exception(_status_error(openai.NotFoundError, 404, "No thread found with id 'thread_x'."))
    assert (error.kind, error.status) == ("not_found", 404)
    assert error.message == "Not found (404): No thread found with id 'thread_x'."


def test_rate_limit_mentions_retry_after() -> None:
    error = from_exception(_status_error(openai.RateLimitError, 429, "Slow down", **{"retry-after": "7"}))
    assert (error.kind, error.status) == ("rate_limit", 429)
    assert "7 s" in error.hint and "Retry-After" in error.hint


def test_rate_limit_without_retry_after() -> None:
    error = from_exception(_status_error(openai.RateLimitError, 429, "Slow down"))
    assert error.hint == "Wait a moment and try again."


def test_server_error() -> None:
    error = from_exception(_status_error(openai.InternalServerError, 503, "overloaded"), base_url=URL)
    assert (error.kind, error.status) == ("server", 503)
    assert "overloaded" in error.message


@pytest.mark.parametrize(
    "message",
    [
        "Thread thread_abc already has an active run run_123.",
        "Can't add messages to thread_abc while a run run_123 is active.",
    ],
)
def test_locked_thread(message: str) -> None:
    error = from_exception(_status_error(openai.BadRequestError, 400, message))
    assert (error.kind, error.status) == ("locked", 400)
    assert error.message == message
    assert error.hint == "Wait for the run to finish or cancel it (Esc)."


def test_other_bad_request() -> None:
    error = from_exception(_status_error(openai.BadRequestError, 400, "Missing required parameter: 'model'."))
    assert error.kind == "bad_request"
    assert "Missing required parameter" in error.message


def test_server_text_is_kept_as_plain_data() -> None:
    error = from_exception(_status_error(openai.NotFoundError, 404, "[bold red]no[/] \x1b[31mthread"))
    assert "[bold red]no[/] \x1b[31mthread" in error.message


def test_non_json_error_body() -> None:
    exc = openai.InternalServerError(
        "Error code: 502", response=_response(502), body="<html>Bad Gateway</html>"
    )
    error = from_exception(exc)
    assert (error.kind, error.status) == ("server", 502)
    assert "Bad Gateway" in error.message


def test_error_event_mid_stream() -> None:
    exc = openai.APIError("boom", httpx2.Request("POST", URL), body={"message": "boom", "code": "server_error"})
    error = from_exception(exc)
    assert (error.kind, error.message) == ("server", "boom")


def test_backend_error_passes_through() -> None:
    error = BackendError("x", "y", kind="locked")
    assert from_exception(error) is error
