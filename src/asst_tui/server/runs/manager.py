"""Run lifecycle: queue, thread lock, engine task, requires_action, submit, cancel, expiry, recovery.

One manager serves every project: each call names the project of the run (or thread) it is about, and a
run's engine task sees only that project's objects.

Several server processes may share one storage (PostgreSQL); they agree through a `Coordination`
(coordination.py). A run's status changes under its thread's lock, after reading the stored run again.
The process that starts or resumes a run claims it and drives it (its engine task lives there) until the
run ends or waits for tool outputs; a waiting run is no process's, so tool outputs submitted to any process
resume it there. Cancel reaches the driving process through the coordination. A survivor fails the runs
of a process that is gone (`_sweep_orphans`), and any process expires waiting runs.

A storage failure (a full disk, a locked database, an I/O error) during a run ends it `failed` with the
storage's message, and frees its thread. When even that end can't be stored, the run is kept here as
ended (`current`, the thread lock and the API see it so) and stored once the storage works again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from ...protocol import ACTIVE_RUN_STATUSES
from ..core import objects
from ..core.errors import bad_request
from ..core.run_ref import RunRef
from ..storage.errors import StorageError
from ..tools.vector_stores import VectorStores
from .context import RunContext, RunServices
from .coordination import Coordination, LocalCoordination
from .events import EventBus
from .outcomes import RunFailed, RunIncomplete

if TYPE_CHECKING:
    from ..config import ServerConfig
    from ..storage.interface import FileBytes, ObjectStore, ProjectStores
    from ..tools.ingest import Ingester
    from ..tools.sandbox import Sandbox
    from .engines.base import Engine

log = logging.getLogger("asst_tui.server")

INTERRUPTED = "The server stopped while this run was in progress."
ORPHANED = "The server process driving this run stopped."
SWEEP_SECONDS = 1.0  # how often a process looks for the runs of processes that are gone


class RunManager:
    """Owns every run's state transitions; engine work runs as one asyncio task per run."""

    def __init__(
        self,
        projects: ProjectStores,
        files: FileBytes,
        engine: Engine,
        sandbox: Sandbox,
        ingester: Ingester,
        config: ServerConfig,
        coordination: Coordination | None = None,
    ) -> None:
        self._projects = projects
        self._files = files
        self._sandbox = sandbox
        self._ingester = ingester
        self._delay = config.demo_delay_ms / 1000
        self.engine = engine
        self.bus = EventBus()
        self._coord = coordination or LocalCoordination()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._ending: set[str] = set()  # runs whose end (or requires_action) is being stored: a cancel no longer interrupts them
        self._expiry_task: asyncio.Task[None] | None = None
        self._unsaved: dict[str, tuple[RunContext, str, dict[str, Any] | None]] = {}  # run id -> its end, not stored yet

    def _services(self, project: str) -> RunServices:
        """What a run of `project` works with: that project's objects and vector stores, the server's sandbox and bus."""
        store = self._projects.project(project)
        return RunServices(project, store, self._files, self.bus, self._sandbox, VectorStores(store, self._ingester), self._delay)

    # ---- start-up and shut-down -------------------------------------------------------------

    async def recover(self) -> None:
        """Join the other processes; fail active runs no live process drives; keep requires_action runs waiting."""
        await self._coord.start(self._hear_cancel)
        for project in await self._projects.names():
            runs = await self._projects.project(project).select("run")
            driven = await self._coord.driven(r["id"] for r in runs if r["status"] in ACTIVE_RUN_STATUSES)
            for run in runs:
                if run["status"] == "requires_action":
                    await self._coord.wait(_ref(run, project), run["expires_at"])
                elif run["status"] in ACTIVE_RUN_STATUSES and run["id"] not in driven:
                    await self._finish_interrupted(_ref(run, project), INTERRUPTED)

    def start_expiry(self) -> None:
        self._expiry_task = asyncio.get_running_loop().create_task(self._expiry_loop())

    async def shutdown(self) -> None:
        if self._expiry_task:
            self._expiry_task.cancel()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._store_unsaved()

    async def close(self) -> None:
        """Leave the other processes, once no request can reach the runs any more (after `shutdown`)."""
        await self._coord.stop()

    # ---- thread lock --------------------------------------------------------------------------

    def thread_guard(self, thread_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold while checking for an active run and changing the thread (adding a message, starting a run)."""
        return self._coord.thread_guard(thread_id)

    def current(self, run: dict[str, Any]) -> dict[str, Any]:
        """The run as it is: a stored run, or its end when the storage failed to keep that yet."""
        unsaved = self._unsaved.get(run["id"])
        return unsaved[0].run if unsaved else run

    async def active_run(self, thread_id: str, project: str) -> dict[str, Any] | None:
        for run in reversed(await self._projects.project(project).children("run", thread_id)):
            if self.current(run)["status"] in ACTIVE_RUN_STATUSES:
                return run
        return None

    async def check_can_add_message(self, thread_id: str, project: str) -> None:
        run = await self.active_run(thread_id, project)
        if run:
            raise bad_request(f"Can't add messages to {thread_id} while a run {run['id']} is active.")

    async def check_can_start_run(self, thread_id: str, project: str) -> None:
        run = await self.active_run(thread_id, project)
        if run:
            raise bad_request(f"Thread {thread_id} already has an active run {run['id']}.")

    # ---- transitions ----------------------------------------------------------------------------

    async def start(self, run: dict[str, Any], project: str) -> None:
        """Store a new queued run of `project`, announce it and schedule its engine task (under the thread's guard)."""
        ref = _ref(run, project)
        await self._coord.claim(ref)
        try:
            await self._projects.project(project).insert("run", run, parent=run["thread_id"])
        except BaseException:
            await self._coord.release(run["id"])
            raise
        self.bus.publish(run["id"], "thread.run.created", run)
        self.bus.publish(run["id"], "thread.run.queued", run)
        self._schedule(run, project)

    def _schedule(self, run: dict[str, Any], project: str) -> None:
        self._tasks[run["id"]] = asyncio.get_running_loop().create_task(self._drive(run, project), name=run["id"])

    async def _drive(self, queued: dict[str, Any], project: str) -> None:
        """Run the engine on a queued run (`queued` as it was when scheduled; the stored one counts)."""
        run_id = queued["id"]
        services = self._services(project)
        ctx = RunContext(services, queued)  # until the stored run is read: a failing read still ends the run
        try:
            async with self._coord.thread_guard(queued["thread_id"]):
                run = await services.store.get("run", run_id)
                if run is None or run["status"] not in ("queued", "cancelling"):
                    return
                ctx = RunContext(services, run)
                if run["status"] == "cancelling":  # asked before it started (from another process: no task to cancel)
                    self._ending.add(run_id)
                    await self._end_now(ctx, "cancelled")
                    return
                if run["started_at"] is None:
                    run["started_at"] = objects.now()
                run["status"] = "in_progress"
                await self._save_run(services.store, run, "thread.run.in_progress")
            await ctx.wait_for_file_search()
            await self.engine.run(ctx)
            await ctx.finish_open_work()
            if ctx.required_calls:
                await self._require_action(ctx)
            else:
                await self._complete(ctx)
        except asyncio.CancelledError:
            await self._on_cancelled(ctx)
            raise
        except RunIncomplete as exc:
            await self._end(ctx, "incomplete", incomplete_details={"reason": exc.reason})
        except RunFailed as exc:
            await self._end(ctx, "failed", last_error={"code": exc.code, "message": exc.message})
        except StorageError as exc:
            log.error("run %s failed on storage: %s", run_id, exc.__cause__ or exc)
            await self._end(ctx, "failed", last_error={"code": "server_error", "message": f"This run stopped on a storage failure. {exc.message}"})
        except Exception:
            log.exception("run %s crashed", run_id)
            self.bus.publish_error(run_id, "The server hit an internal error while running the engine.")
            await self._end(ctx, "failed", last_error={"code": "server_error", "message": "The server hit an internal error while running the engine; see the server log."})
        finally:
            self._tasks.pop(run_id, None)
            self._ending.discard(run_id)
            if run_id not in self._unsaved:
                await self._release(run_id)

    async def _release(self, run_id: str) -> None:
        """Release a run that ended here; a claim the storage fails to drop only looks orphaned once this process is gone."""
        try:
            await self._coord.release(run_id)
        except StorageError as exc:
            log.error("run %s ended, but its claim can't be dropped yet: %s", run_id, exc.__cause__ or exc)

    async def _complete(self, ctx: RunContext) -> None:
        await self._end(ctx, "completed")

    async def _end(self, ctx: RunContext, status: str, **fields: Any) -> None:
        """End the run under its thread's guard (the driving task's end)."""
        self._ending.add(ctx.run["id"])
        try:
            async with self._coord.thread_guard(ctx.run["thread_id"]):
                await self._end_now(ctx, status, **fields)
        finally:
            self._ending.discard(ctx.run["id"])

    async def _end_now(self, ctx: RunContext, status: str, **fields: Any) -> None:
        """End the run (the caller holds the thread's guard); when the storage fails to keep the end, it is
        kept here until it does (`_store_unsaved`)."""
        run = ctx.run
        step_status = "completed" if status == "completed" else _step_status(status)
        run["status"] = status
        run.update(fields)
        stamp = {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at"}.get(status)
        if stamp:
            run[stamp] = objects.now()
        run["usage"] = ctx.usage()
        run["required_action"] = None
        run["expires_at"] = None  # as the hosted API: a run that ended can no longer expire
        try:
            await ctx.close_open_work(step_status, fields.get("last_error"))
            await ctx.store.put(run)
        except StorageError as exc:
            log.error("run %s ended %s, but its end can't be stored yet: %s", run["id"], status, exc.__cause__ or exc)
            self._unsaved[run["id"]] = (ctx, step_status, fields.get("last_error"))
        self.bus.publish(run["id"], f"thread.run.{status}", run)

    async def _store_unsaved(self) -> None:
        """Store the ends of runs the storage failed to keep, oldest first, while it works again."""
        for run_id, (ctx, step_status, last_error) in list(self._unsaved.items()):
            try:
                await ctx.close_open_work(step_status, last_error)
                await ctx.store.put(ctx.run)
            except StorageError:
                return
            del self._unsaved[run_id]
            await self._coord.release(run_id)
            log.info("run %s: its end is stored now", run_id)

    async def _require_action(self, ctx: RunContext) -> None:
        """Wait for tool outputs, unless a cancel was stored meanwhile (from another process): then end cancelled."""
        run = ctx.run
        self._ending.add(run["id"])
        try:
            async with self._coord.thread_guard(run["thread_id"]):
                stored = await ctx.store.get("run", run["id"])
                if stored is not None and stored["status"] == "cancelling":
                    await self._end_now(ctx, "cancelled")
                    return
                run["status"] = "requires_action"
                run["required_action"] = {
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {"tool_calls": ctx.required_calls},
                }
                run["usage"] = ctx.usage()
                await self._save_run(ctx.store, run, "thread.run.requires_action")
                await self._coord.wait(_ref(run, ctx.project), run["expires_at"])
        finally:
            self._ending.discard(run["id"])

    async def _on_cancelled(self, ctx: RunContext) -> None:
        run = await ctx.store.get("run", ctx.run["id"]) or ctx.run
        if run["status"] == "cancelling":
            ctx.run = run
            await self._end(ctx, "cancelled")
        else:
            ctx.run = run
            await self._end(ctx, "failed", last_error={"code": "server_error", "message": INTERRUPTED})

    async def _save_run(self, store: ObjectStore, run: dict[str, Any], event: str) -> None:
        await store.put(run)
        self.bus.publish(run["id"], event, run)

    async def cancel(self, run: dict[str, Any], project: str) -> dict[str, Any]:
        """Cancel a run: a waiting (or undriven) one ends here; a driven one is stored `cancelling` and its task,
        here or in another process, is cancelled."""
        _check_cancellable(run)
        services = self._services(project)
        async with self._coord.thread_guard(run["thread_id"]):
            run = self.current(await services.store.get("run", run["id"]) or run)
            _check_cancellable(run)
            driven = run["id"] in self._tasks or run["id"] in await self._coord.driven([run["id"]])
            if run["status"] == "requires_action" or not driven:
                await self._coord.unwait(run["id"])
                ctx = RunContext(services, run)
                await ctx.adopt_waiting_step()
                await self._end_now(ctx, "cancelled")
                return run
            run["status"] = "cancelling"
            await self._save_run(services.store, run, "thread.run.cancelling")
        if run["id"] in self._tasks:
            self._hear_cancel(run["id"])
        else:
            await self._coord.request_cancel(run["id"])
        return run

    def _hear_cancel(self, run_id: str) -> None:
        """A cancel request for a run (stored `cancelling` first): its task stops, unless it is already ending."""
        task = self._tasks.get(run_id)
        if task is not None and run_id not in self._ending:
            task.cancel()

    async def submit_tool_outputs(self, run: dict[str, Any], outputs: list[dict[str, Any]], project: str) -> dict[str, Any]:
        _check_waiting(run)
        ref = _ref(run, project)
        async with self._coord.thread_guard(run["thread_id"]):
            run = self.current(await self._projects.project(project).get("run", run["id"]) or run)
            _check_waiting(run)
            given = _tool_outputs(run, outputs)
            await self._coord.unwait(run["id"])
            await self._coord.claim(ref)
            try:
                ctx = RunContext(self._services(project), run)
                await ctx.complete_waiting_step(given)
                run["status"] = "queued"
                run["required_action"] = None
                await self._save_run(ctx.store, run, "thread.run.queued")
            except BaseException:
                await self._coord.release(run["id"])
                await self._coord.wait(ref, run["expires_at"])  # still waiting for its outputs
                raise
        self._schedule(run, project)
        return run

    # ---- expiry and recovery -----------------------------------------------------------------

    async def _expiry_loop(self) -> None:
        """Twice a second: expire waiting runs past their time and store the run ends the storage failed to keep;
        every second: fail the runs of processes that are gone."""
        swept = time.monotonic()
        while True:
            await asyncio.sleep(0.5)
            try:
                for ref in await self._coord.due(time.time()):
                    await self._expire(ref)
                await self._store_unsaved()
                if time.monotonic() - swept >= SWEEP_SECONDS:
                    swept = time.monotonic()
                    await self._sweep_orphans()
            except StorageError as exc:
                log.error("waiting or orphaned runs can't be ended yet: %s", exc.__cause__ or exc)
            except Exception:  # a bug must not stop expiry and the sweep for good
                log.exception("expiring or sweeping runs failed")

    async def _expire(self, ref: RunRef) -> None:
        """Expire a waiting run past its time; only the process that takes it off the waiting list does."""
        services = self._services(ref.project)
        async with self._coord.thread_guard(ref.thread_id):
            run = await services.store.get("run", ref.run_id)
            if not await self._coord.unwait(ref.run_id) or run is None or run["status"] != "requires_action":
                return
            ctx = RunContext(services, run)
            try:
                await ctx.adopt_waiting_step()
                await ctx.close_open_work("expired", None)
                run["status"] = "expired"
                run["required_action"] = None
                await self._save_run(services.store, run, "thread.run.expired")
            except StorageError:
                await self._coord.wait(ref, run["expires_at"])  # try again next time
                raise

    async def _sweep_orphans(self) -> None:
        """Fail the runs claimed by processes that are gone (each survivor may try; the first one does it)."""
        for ref in await self._coord.orphaned_runs():
            log.warning("run %s: the server process driving it stopped; failing it", ref.run_id)
            await self._finish_interrupted(ref, ORPHANED)
            await self._coord.release(ref.run_id)

    async def _finish_interrupted(self, ref: RunRef, message: str) -> None:
        """End a run whose process is gone: `cancelled` when a cancel was asked, else `failed` with `message`."""
        services = self._services(ref.project)
        async with self._coord.thread_guard(ref.thread_id):
            run = await services.store.get("run", ref.run_id)
            if run is None or run["status"] not in ACTIVE_RUN_STATUSES or run["status"] == "requires_action":
                return
            ctx = RunContext(services, run)
            await ctx.adopt_open_work()
            if run["status"] == "cancelling":
                await self._end_now(ctx, "cancelled")
            else:
                await self._end_now(ctx, "failed", last_error={"code": "server_error", "message": message})


def _ref(run: dict[str, Any], project: str) -> RunRef:
    return RunRef(run["id"], run["thread_id"], project)


def _check_cancellable(run: dict[str, Any]) -> None:
    if run["status"] not in ACTIVE_RUN_STATUSES or run["status"] == "cancelling":
        raise bad_request(f"Cannot cancel run with status '{run['status']}'.", param="run_id")


def _check_waiting(run: dict[str, Any]) -> None:
    if run["status"] != "requires_action":
        raise bad_request(f"Runs in status \"{run['status']}\" do not accept tool outputs.", param="run_id")


def _tool_outputs(run: dict[str, Any], outputs: list[dict[str, Any]]) -> dict[str, str]:
    """The outputs by tool call id, each pending call given exactly once; a 400 says what is wrong."""
    pending = {c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]}
    given: dict[str, str] = {}
    for i, item in enumerate(outputs):
        call_id = item.get("tool_call_id") if isinstance(item, dict) else None
        if call_id not in pending:
            raise bad_request(f"Invalid 'tool_outputs[{i}].tool_call_id': no pending tool call with id {call_id!r}.", param=f"tool_outputs[{i}].tool_call_id")
        output = item.get("output")
        if output is not None and not isinstance(output, str):
            raise bad_request(f"Invalid type for 'tool_outputs[{i}].output': expected a string.", param=f"tool_outputs[{i}].output", code="invalid_type")
        given[call_id] = output or ""
    missing = sorted(pending - given.keys())
    if missing:
        raise bad_request(f"Expected tool outputs for call_ids {sorted(pending)}, got {sorted(given)}.", param="tool_outputs")
    return given


def _step_status(run_status: str) -> str:
    """The status of a run's open step when the run ends with `run_status`."""
    return {"cancelled": "cancelled", "expired": "expired", "incomplete": "completed"}.get(run_status, "failed")
