"""Function tools and the code interpreter through the real SDK, with the real sandbox."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import openai
import pytest

from asst_tui.server import EmbeddedServer

from openai import AssistantEventHandler

from .conftest import MODEL, function_tool, message_text, sync_client, wait_for_status

PNG_CODE = """\
import struct, zlib

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

width, height = 3, 2
rows = b"".join(b"\\x00" + bytes([40 * x + 80 * y for x in range(width)]) for y in range(height))
png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
with open("chart.png", "wb") as out:
    out.write(png)
print(len(png), "bytes written")
"""


def _expected_png() -> bytes:
    namespace: dict[str, object] = {}
    code = PNG_CODE.replace('with open("chart.png", "wb") as out:\n    out.write(png)\n', "").replace('print(len(png), "bytes written")\n', "")
    exec(code, namespace)  # the same construction the sandbox runs, without the file
    data = namespace["png"]
    assert isinstance(data, bytes)
    return data


def _fenced(code: str) -> str:
    return f"Please run this:\n\n```python\n{code}```\n"


def _code_run(client: openai.OpenAI, thread_id: str, assistant_id: str, code: str) -> tuple[object, list[object]]:
    client.beta.threads.messages.create(thread_id, role="user", content=_fenced(code))
    run = client.beta.threads.runs.create_and_poll(thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=20)
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread_id, order="asc").data
    return run, steps


def _logs(steps: list[object]) -> str:
    calls = steps[0].step_details.tool_calls  # type: ignore[attr-defined]
    return "".join(o.logs for c in calls for o in c.code_interpreter.outputs if o.type == "logs")


# ---- function tools ------------------------------------------------------------------------------


def test_parallel_function_calls_round_trip(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[function_tool("get_weather"), function_tool("get_time")])
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": 'Two things: get_weather {"city": "Oslo"} and get_time({"tz": "UTC"}) please'}]
    )
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    assert run.status == "requires_action"
    assert run.required_action.type == "submit_tool_outputs"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [(c.type, c.function.name) for c in calls] == [("function", "get_weather"), ("function", "get_time")]
    assert [json.loads(c.function.arguments) for c in calls] == [{"city": "Oslo"}, {"tz": "UTC"}]
    assert all(c.id.startswith("call_") for c in calls) and calls[0].id != calls[1].id

    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert len(steps) == 1 and steps[0].type == "tool_calls" and steps[0].status == "in_progress"
    assert [c.function.output for c in steps[0].step_details.tool_calls] == [None, None]

    done = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id,
        thread_id=thread.id,
        tool_outputs=[{"tool_call_id": calls[1].id, "output": "12:00 UTC"}, {"tool_call_id": calls[0].id, "output": "Cloudy, 4 C"}],
        poll_interval_ms=20,
    )
    assert done.status == "completed" and done.required_action is None
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    text = message_text(reply)
    assert "Cloudy, 4 C" in text and "12:00 UTC" in text
    assert text.index("get_weather") < text.index("get_time")
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    assert [s.status for s in steps] == ["completed", "completed"]
    assert [c.function.output for c in steps[0].step_details.tool_calls] == ["Cloudy, 4 C", "12:00 UTC"]


def test_submit_tool_outputs_raw_stream(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[function_tool("lookup")])
    thread = client.beta.threads.create()
    with client.beta.threads.runs.stream(
        thread_id=thread.id,
        assistant_id=assistant.id,
        additional_messages=[{"role": "user", "content": 'lookup {"q": "x"}'}],
    ) as stream:
        names = [e.event for e in stream]
        run = stream.get_final_run()
    assert names[-1] == "thread.run.requires_action"
    assert "thread.run.step.delta" in names and "thread.message.created" not in names
    call = run.required_action.submit_tool_outputs.tool_calls[0]

    events = list(
        client.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "found it"}], stream=True
        )
    )
    assert events[-1].event == "thread.run.completed"
    done = [e.data for e in events if e.event == "thread.message.completed"]
    assert len(done) == 1 and "found it" in message_text(done[0])


def test_submit_tool_outputs_errors(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[function_tool("a"), function_tool("b")])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": 'a {} b {}'}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20)
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert len(calls) == 2
    with pytest.raises(openai.BadRequestError):
        client.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": calls[0].id, "output": "1"}])
    with pytest.raises(openai.BadRequestError):
        client.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_nope", "output": "1"}])
    # The failed submissions changed nothing: the run still waits, and a full submission works.
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "requires_action"
    client.beta.threads.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": c.id, "output": c.function.name.upper()} for c in calls])
    done = wait_for_status(client, thread.id, run.id, "completed")
    with pytest.raises(openai.BadRequestError) as err:
        client.beta.threads.runs.submit_tool_outputs(done.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": calls[0].id, "output": "late"}])
    assert "completed" in err.value.body["message"]


def test_tool_choice_and_parallel_tool_calls(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[function_tool("f"), function_tool("g")])
    text = 'f {"n": 1} g {"n": 2}'

    thread = client.beta.threads.create(messages=[{"role": "user", "content": text}])
    single = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, parallel_tool_calls=False, poll_interval_ms=20)
    assert [c.function.name for c in single.required_action.submit_tool_outputs.tool_calls] == ["f"]
    client.beta.threads.runs.cancel(single.id, thread_id=thread.id)

    thread = client.beta.threads.create(messages=[{"role": "user", "content": text}])
    none = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id, tool_choice="none", poll_interval_ms=20)
    assert none.status == "completed"

    thread = client.beta.threads.create(messages=[{"role": "user", "content": "no call written here"}])
    forced = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, tool_choice={"type": "function", "function": {"name": "g"}}, poll_interval_ms=20
    )
    assert forced.status == "requires_action"
    assert forced.tool_choice.type == "function" and forced.tool_choice.function.name == "g"
    assert [c.function.name for c in forced.required_action.submit_tool_outputs.tool_calls] == ["g"]


# ---- code interpreter ----------------------------------------------------------------------------


def test_code_interpreter_png_downloads_byte_identical(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create()
    run, steps = _code_run(client, thread.id, assistant.id, PNG_CODE)
    assert run.status == "completed"
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    call = steps[0].step_details.tool_calls[0]
    assert call.type == "code_interpreter" and call.code_interpreter.input == PNG_CODE
    outputs = call.code_interpreter.outputs
    assert [o.type for o in outputs] == ["logs", "image"]
    expected = _expected_png()
    assert outputs[0].logs == f"{len(expected)} bytes written\n"
    file_id = outputs[1].image.file_id
    info = client.files.retrieve(file_id)
    assert (info.filename, info.purpose, info.bytes) == ("chart.png", "assistants_output", len(expected))
    downloaded = client.files.content(file_id).read()
    assert downloaded == expected
    assert downloaded.startswith(b"\x89PNG\r\n\x1a\n")
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert reply.content[0].type == "image_file" and reply.content[0].image_file.file_id == file_id


def test_code_interpreter_generated_file_is_annotated(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create()
    run, _ = _code_run(client, thread.id, assistant.id, "open('out.csv', 'w').write('a,b\\n1,2\\n')\n")
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    annotations = reply.content[0].text.annotations
    assert len(annotations) == 1 and annotations[0].type == "file_path"
    text = message_text(reply)
    assert text[annotations[0].start_index : annotations[0].end_index] == annotations[0].text == "sandbox:/mnt/data/out.csv"
    assert client.files.content(annotations[0].file_path.file_id).read() == b"a,b\n1,2\n"


@pytest.mark.sqlite_only  # the sandbox's or the expiry timer's work: the stores play no part
def test_notebook_state_survives_between_runs(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create()
    run, steps = _code_run(client, thread.id, assistant.id, "secret_number = 41\n")
    assert run.status == "completed" and _logs(steps) == ""
    run, steps = _code_run(client, thread.id, assistant.id, "print(secret_number + 1)\n")
    assert run.status == "completed" and _logs(steps) == "42\n"
    # Another thread has its own interpreter.
    other = client.beta.threads.create()
    _, steps = _code_run(client, other.id, assistant.id, "print('secret_number' in globals())\n")
    assert _logs(steps) == "False\n"


def test_exception_becomes_logs_with_traceback(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create()
    run, steps = _code_run(client, thread.id, assistant.id, "print('before')\n1 / 0\n")
    assert run.status == "completed"
    logs = _logs(steps)
    assert logs.startswith("before\n") and "ZeroDivisionError" in logs and "Traceback" in logs
    reply = client.beta.threads.messages.list(thread.id, run_id=run.id).data[0]
    assert "exception" in message_text(reply)


def test_thread_and_assistant_files_are_in_the_working_dir(client: openai.OpenAI) -> None:
    a_file = client.files.create(file=("from_assistant.txt", b"A"), purpose="assistants")
    t_file = client.files.create(file=("from_thread.txt", b"T"), purpose="assistants")
    assistant = client.beta.assistants.create(
        model=MODEL, tools=[{"type": "code_interpreter"}], tool_resources={"code_interpreter": {"file_ids": [a_file.id]}}
    )
    thread = client.beta.threads.create(tool_resources={"code_interpreter": {"file_ids": [t_file.id]}})
    _, steps = _code_run(client, thread.id, assistant.id, "print(open('from_assistant.txt').read() + open('from_thread.txt').read())\n")
    assert _logs(steps) == "AT\n"


@pytest.mark.sqlite_only  # the sandbox's or the expiry timer's work: the stores play no part
def test_sandbox_timeout_and_crash_leave_the_server_up(make_server: Callable[..., EmbeddedServer]) -> None:
    srv = make_server(sandbox_timeout_s=1)
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
        thread = client.beta.threads.create()

        _code_run(client, thread.id, assistant.id, "x = 'kept until the timeout'\n")
        run, steps = _code_run(client, thread.id, assistant.id, "while True:\n    pass\n")
        assert run.status == "completed"
        assert "timed out after 1 s" in _logs(steps)
        assert "did not finish" in message_text(client.beta.threads.messages.list(thread.id, run_id=run.id).data[0])
        run, steps = _code_run(client, thread.id, assistant.id, "print('x' in globals())\n")
        assert _logs(steps) == "False\n"  # a fresh interpreter replaced the killed one

        run, steps = _code_run(client, thread.id, assistant.id, "import os\nprint('bye', flush=True)\nos._exit(3)\n")
        assert run.status == "completed"
        logs = _logs(steps)
        assert "exited unexpectedly" in logs and "exit code 3" in logs

        run, steps = _code_run(client, thread.id, assistant.id, "print('alive')\n")
        assert run.status == "completed" and _logs(steps) == "alive\n"
        assert client.beta.assistants.retrieve(assistant.id).id == assistant.id


@pytest.mark.sqlite_only  # the sandbox's or the expiry timer's work: the stores play no part
def test_no_secret_reaches_the_sandbox(make_server: Callable[..., EmbeddedServer], monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "OPENAI_API_KEY": "sk-live-should-never-leak-1",
        "AZURE_OPENAI_API_KEY": "azure-should-never-leak-2",
        "GITHUB_TOKEN": "ghp_should-never-leak-3",
        "AWS_SECRET_ACCESS_KEY": "aws-should-never-leak-4",
        "ASST_TUI_SERVER_KEY": "server-should-never-leak-5",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    srv = make_server()
    with sync_client(srv.base_url) as client:
        assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
        thread = client.beta.threads.create()
        code = (
            "import os, subprocess, sys\n"
            "print(dict(os.environ))\n"
            "print(subprocess.run(['env'], capture_output=True, text=True).stdout)\n"
            "print(open('/proc/self/environ', 'rb').read())\n"
        )
        run, steps = _code_run(client, thread.id, assistant.id, code)
        assert run.status == "completed"
        logs = _logs(steps)
        assert "PATH" in logs  # the code did print an environment
        for name, value in secrets.items():
            assert value not in logs
            assert name not in logs
        assert os.environ["OPENAI_API_KEY"] == secrets["OPENAI_API_KEY"]  # the server process itself had them


def test_code_blocks_without_code_interpreter_are_not_run(client: openai.OpenAI, tmp_path: Path) -> None:
    assistant = client.beta.assistants.create(model=MODEL)
    thread = client.beta.threads.create()
    marker = tmp_path / "ran"
    run, steps = _code_run(client, thread.id, assistant.id, f"open({str(marker)!r}, 'w').write('x')\n")
    assert run.status == "completed"
    assert [s.type for s in steps] == ["message_creation"]
    assert not marker.exists()


def test_two_code_blocks_streamed_with_an_image(client: openai.OpenAI) -> None:
    assistant = client.beta.assistants.create(model=MODEL, tools=[{"type": "code_interpreter"}])
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": f"```python\nprint('first')\n```\nthen\n```python\n{PNG_CODE}```"}]
    )

    class Handler(AssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.created: list[str] = []
            self.images: list[str] = []

        def on_tool_call_created(self, tool_call: object) -> None:
            self.created.append(tool_call.id)  # type: ignore[attr-defined]

        def on_tool_call_delta(self, delta: object, snapshot: object) -> None:
            ci = delta.code_interpreter  # type: ignore[attr-defined]
            if ci is not None and ci.outputs:
                self.images += [o.image.file_id for o in ci.outputs if o.type == "image"]

    handler = Handler()
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=assistant.id, event_handler=handler) as stream:
        stream.until_done()
        reply = stream.get_final_messages()[0]
    assert len(handler.created) == 2 and len(set(handler.created)) == 2
    assert len(handler.images) == 1
    assert client.files.content(handler.images[0]).read() == _expected_png()
    steps = client.beta.threads.runs.steps.list(reply.run_id, thread_id=thread.id, order="asc").data
    calls = steps[0].step_details.tool_calls
    assert [c.id for c in calls] == handler.created
    assert calls[0].code_interpreter.outputs[0].logs == "first\n"
    assert "2 code blocks" in message_text(reply)
    # as the hosted API did: the image is the reply's first content part, its text comes after
    assert [part.type for part in reply.content] == ["image_file", "text"]
    assert reply.content[0].image_file.file_id == handler.images[0]
    stored = client.beta.threads.messages.retrieve(reply.id, thread_id=thread.id)
    assert [part.type for part in stored.content] == ["image_file", "text"]
