"""Full garbage collections run when the app is idle, and when the old generation passes the bound even while busy;
survivors are frozen after each, and frozen garbage goes at the idle collection."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from asst_tui.tui import gc_policy

from .helpers import SIZE, make_app, ready, run_done, send, wait_for, write_config


class FullCollections:
    """Each full collection while the test runs, as whether the app had a run going at the time."""

    def __init__(self) -> None:
        self.app = None
        self.during_run: list[bool] = []

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2 and self.app is not None:
            self.during_run.append(self.app.flow is not None)


@pytest.fixture
def full_collections() -> Iterator[FullCollections]:
    seen = FullCollections()
    gc.callbacks.append(seen)
    yield seen
    gc.callbacks.remove(seen)


async def test_a_full_collection_runs_once_the_app_is_idle_and_automatic_ones_are_off(
    home, monkeypatch, full_collections
):
    monkeypatch.setattr(gc_policy, "IDLE_SECONDS", 0.5)
    monkeypatch.setattr(gc_policy, "CHECK_SECONDS", 0.1)
    thresholds = gc.get_threshold()
    app = make_app()
    full_collections.app = app
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert gc.get_threshold()[2] == gc_policy.NEVER
        before = len(full_collections.during_run)
        await send(pilot, "/lorem 300")
        await run_done(pilot)
        await wait_for(pilot, lambda: len(full_collections.during_run) > before, timeout=5, what="an idle collection")
        assert not any(full_collections.during_run[before:])  # none while the run was going
    assert gc.get_threshold() == thresholds  # the process gets its collector back


async def test_while_a_reply_streams_only_what_came_since_the_last_batch_is_collected(home, monkeypatch):
    """Never a collection over everything while busy (the frozen objects stay frozen), until the deferred limit."""
    write_config(home, "[profiles.local]\nkind = \"local\"\ndemo_delay_ms = 1\n")
    monkeypatch.setattr(gc_policy, "IDLE_SECONDS", 3600)  # never idle during this test
    monkeypatch.setattr(gc_policy, "CHECK_SECONDS", 0.1)
    monkeypatch.setattr(gc_policy, "BOUND", gc_policy.NEVER)
    app = make_app()
    frozen_at_collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2 and app.flow is not None:
            frozen_at_collections.append(gc.get_freeze_count())

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        gc.callbacks.append(seen)
        try:
            monkeypatch.setattr(gc_policy, "BUSY_BOUND", 2)
            cycle = Cycle()
            gone = weakref.ref(cycle)
            del cycle  # garbage made while busy goes at the next batch, not at the idle collection
            await send(pilot, "/lorem 2000")
            await run_done(pilot)
            assert frozen_at_collections, "no bounded collection while the reply streamed"
            assert all(frozen_at_collections), "a collection over everything ran while the reply streamed"
            assert gone() is None
            monkeypatch.setattr(gc_policy, "DEFERRED_LIMIT", 2)  # but not for ever: the limit collects everything
            frozen_at_collections.clear()
            await send(pilot, "/lorem 2000")
            await run_done(pilot)
            assert 0 in frozen_at_collections, "no collection over everything while the reply streamed past the limit"
        finally:
            gc.callbacks.remove(seen)


class Cycle:
    def __init__(self) -> None:
        self.me = self


async def test_garbage_frozen_after_a_bounded_collection_is_freed_at_the_idle_one(home, monkeypatch):
    monkeypatch.setattr(gc_policy, "IDLE_SECONDS", 0.5)
    monkeypatch.setattr(gc_policy, "CHECK_SECONDS", 0.1)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        cycle = Cycle()
        gone = weakref.ref(cycle)
        frozen = gc.get_freeze_count()
        monkeypatch.setattr(gc_policy, "BOUND", 0)  # a bounded collection at the next check: the cycle survives it
        await wait_for(pilot, lambda: gc.get_freeze_count() > frozen, timeout=5, what="a bounded collection")
        monkeypatch.setattr(gc_policy, "BOUND", gc_policy.NEVER)
        del cycle
        await wait_for(pilot, lambda: gone() is None, timeout=5, what="the frozen cycle to be collected")


async def test_the_launchers_hold_on_full_collections_lasts_until_the_first_frame(home) -> None:
    """run_tui holds them from before Textual's import: one ran there, before the first frame of every start."""
    from asst_tui.tui.textual_compat import after_each_frame

    thresholds = gc.get_threshold()
    gc_policy.hold_for_startup()
    gc_policy.hold_for_startup()  # a second hold keeps the first one's thresholds
    at_frames: list[int] = []
    app = make_app()
    after_each_frame(app, lambda screen: at_frames.append(gc.get_threshold()[2]))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            assert at_frames[0] == gc_policy.NEVER
            assert gc.get_threshold()[2] == gc_policy.NEVER  # now the policy's own
        assert gc.get_threshold() == thresholds  # given back: not the hold's NEVER
    finally:
        gc_policy.end_startup_hold()
        gc.set_threshold(*thresholds)


def test_ending_a_hold_that_never_began_changes_nothing() -> None:
    thresholds = gc.get_threshold()
    gc_policy.end_startup_hold()
    assert gc.get_threshold() == thresholds


async def test_an_app_that_cannot_connect_ends_the_hold_too(home) -> None:
    """Offline, the policy never starts: full collections come back after the first frame all the same."""
    thresholds = gc.get_threshold()
    gc_policy.hold_for_startup()
    app = make_app(base_url="http://127.0.0.1:9/v1")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.offline, what="offline")
            assert gc.get_threshold() == thresholds
    finally:
        gc_policy.end_startup_hold()
        gc.set_threshold(*thresholds)
