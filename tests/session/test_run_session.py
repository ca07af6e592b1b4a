"""RunSession, the one run lifecycle the TUI and `asst-tui send` drive: real SDK, real embedded server."""

from __future__ import annotations

from typing import Any

from asst_tui.client.backend import Backend
from asst_tui.client.errors import BackendError
from asst_tui.client.events import RequiresAction, RunEnded, RunEvent, StreamError, TextDelta
from asst_tui.session.run import CANCEL_RUN, NO_RUN, RunSession

WEATHER = 'get_current_temperature {"location": "Oslo", "unit": "celsius"}'


class Recorder:
    """A RunObserver that writes down every call, and answers function calls from `answers` in turn."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, Any]] = []
        self.events: list[RunEvent] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def statuses(self) -> list[str]:
        return [value for name, value in self.calls if name == "status"]

    def text(self) -> str:
        return "".join(event.text for event in self.events if isinstance(event, TextDelta))

    def run_started(self, run_id: str) -> None:
        self.calls.append(("run_started", run_id))

    def status(self, status: str) -> None:
        self.calls.append(("status", status))

    async def show(self, event: RunEvent) -> None:
        self.events.append(event)

    async def outputs_for(self, waiting: RequiresAction) -> Any:
        self.calls.append(("outputs_for", [call["function"]["name"] for call in waiting.tool_calls]))
        answer = self.answers.pop(0)
        if isinstance(answer, str) and answer != CANCEL_RUN:
            return [{"tool_call_id": call["id"], "output": answer} for call in waiting.tool_calls]
        return answer

    def left_waiting(self) -> None:
        self.calls.append(("left_waiting", None))

    async def stream_broke(self, error: StreamError) -> bool:
        self.calls.append(("stream_broke", error.message))
        return True

    async def not_sent(self, error: BackendError) -> bool:
        self.calls.append(("not_sent", error.kind))
        return False

    async def not_cancelled(self, error: BackendError) -> bool:
        self.calls.append(("not_cancelled", error.kind))
        return False

    async def lost(self, error: BackendError) -> None:
        self.calls.append(("lost", error.kind))

    async def caught_up(self) -> None:
        self.calls.append(("caught_up", None))

    def finished(self) -> None:
        self.calls.append(("finished", None))


async def new_session(backend: Backend, observer: Recorder) -> RunSession:
    thread = await backend.create_thread()
    return RunSession(backend, thread["id"], observer, poll_seconds=0.05)


async def test_a_run_is_streamed_to_its_end_and_the_observer_sees_each_step_once(backend, assistant) -> None:
    observer = Recorder()
    session = await new_session(backend, observer)
    message = await session.add_message("/lorem 30")
    assert message["role"] == "user" and message["thread_id"] == session.thread_id
    await session.start(assistant["id"])
    assert session.ended is not None and session.ended.status == "completed"
    assert observer.names().count("run_started") == 1 and observer.names()[-1] == "finished"
    assert observer.statuses()[0] == "queued" and observer.statuses()[-1] == "completed"
    assert len(observer.text().split()) == 30
    assert isinstance(observer.events[-1], RunEnded) and session.waiting is None


async def test_function_outputs_are_submitted_and_the_run_goes_on(backend, assistant) -> None:
    observer = Recorder("4 degrees")
    session = await new_session(backend, observer)
    await session.add_message(WEATHER)
    await session.start(assistant["id"])
    assert ("outputs_for", ["get_current_temperature"]) in observer.calls
    assert "requires_action" in observer.statuses() and session.ended.status == "completed"
    assert "4 degrees" in observer.text()


async def test_a_run_left_waiting_is_resumed_later(backend, assistant) -> None:
    observer = Recorder(None, "12 degrees")
    session = await new_session(backend, observer)
    await session.add_message(WEATHER)
    await session.start(assistant["id"])
    assert observer.names()[-1] == "left_waiting" and "finished" not in observer.names()
    assert session.waiting is not None and session.ended is None
    assert (await backend.retrieve_run(session.thread_id, session.run_id))["status"] == "requires_action"

    await session.resume()
    assert session.waiting is None and session.ended.status == "completed"
    assert "12 degrees" in observer.text()


async def test_cancel_instead_of_outputs_sees_the_run_to_its_end(backend, assistant) -> None:
    observer = Recorder(CANCEL_RUN)
    session = await new_session(backend, observer)
    await session.add_message(WEATHER)
    await session.start(assistant["id"])
    assert "cancelling" in observer.statuses() and session.ended.status == "cancelled"
    assert observer.names()[-1] == "finished"
    assert (await backend.retrieve_run(session.thread_id, session.run_id))["status"] == "cancelled"


async def test_watch_polls_a_run_no_stream_follows_then_catches_up(backend, assistant) -> None:
    observer = Recorder()
    session = await new_session(backend, observer)
    await session.add_message("/lorem 200")
    events = backend.stream_run(session.thread_id, assistant["id"])
    async for _ in events:  # another client started it: the session only finds it going
        break
    await events.aclose()
    run = await backend.active_run(session.thread_id)
    assert run is not None

    await session.watch(run)
    assert session.run_id == run["id"] and session.ended.status == "completed"
    names = observer.names()
    assert names.index("caught_up") < names.index("finished") and isinstance(observer.events[-1], RunEnded)
    assert "in_progress" in observer.statuses()


async def test_settle_with_no_run_going_says_so(backend) -> None:
    observer = Recorder()
    session = await new_session(backend, observer)
    await session.settle()
    assert observer.calls == [("status", NO_RUN), ("finished", None)] and session.ended is None


async def test_a_run_that_cannot_start_raises_and_tells_the_observer_nothing(backend) -> None:
    observer = Recorder()
    session = await new_session(backend, observer)
    try:
        await session.start("asst_missing")
    except BackendError as error:
        assert error.kind == "not_found"
    else:
        raise AssertionError("a run for a missing assistant started")
    assert observer.calls == []
