"""Run coordination on a real PostgreSQL: two processes' parts (two PgCoordination) on one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from asst_tui.server.core.run_ref import RunRef
from asst_tui.server.storage.pg_coordination import PgCoordination
from asst_tui.server.storage.pg_schema import migrate

REF = RunRef("run_1", "thread_1", "default")


@pytest.fixture
async def pair(pg_cluster: Any, request: pytest.FixtureRequest) -> AsyncIterator[tuple[PgCoordination, PgCoordination, list[str]]]:
    dsn = pg_cluster.create_database(request.node.name.lower()[:60])
    with psycopg.connect(dsn, autocommit=True) as conn:
        migrate(conn, dsn)  # as the store does before the server starts
    heard: list[str] = []
    a, b = PgCoordination(dsn), PgCoordination(dsn)
    await a.start(heard.append)
    await b.start(lambda run_id: None)
    try:
        yield a, b, heard
    finally:
        await a.stop()
        await b.stop()


async def test_the_thread_guard_excludes_the_other_process_and_only_for_that_thread(pair: Any) -> None:
    a, b, _ = pair
    order: list[str] = []

    async def hold_a() -> None:
        async with a.thread_guard("thread_1"):
            order.append("a in")
            await asyncio.sleep(0.8)  # long enough for B to get the other thread's lock meanwhile, even on a busy machine
            order.append("a out")

    async def enter_b(thread_id: str) -> None:
        await asyncio.sleep(0.1)
        async with b.thread_guard(thread_id):
            order.append(f"b in {thread_id}")

    await asyncio.gather(hold_a(), enter_b("thread_1"), enter_b("thread_2"))
    assert order == ["a in", "b in thread_2", "a out", "b in thread_1"]


async def test_claims_are_driven_while_their_process_lives_and_orphans_after(pair: Any) -> None:
    a, b, _ = pair
    await a.claim(REF)
    assert await b.driven(["run_1", "run_2"]) == {"run_1"}
    assert await b.orphaned_runs() == []
    await a._life.close()  # what SIGKILL does to the process's liveness connection
    await asyncio.sleep(0.2)
    assert await b.driven(["run_1"]) == set()
    assert await b.orphaned_runs() == [REF]
    await b.release("run_1")
    assert await b.orphaned_runs() == []


async def test_a_process_whose_liveness_connection_broke_reconnects_and_lives_on(pair: Any, pg_cluster: Any, request: pytest.FixtureRequest) -> None:
    a, b, heard = pair
    await a.claim(REF)
    dsn = pg_cluster.dsn(request.node.name.lower()[:60])
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (a._life.info.backend_pid,))  # as a database restart does
    for _ in range(100):
        await asyncio.sleep(0.05)
        if a._life.info.backend_pid and not a._life.closed and await b.driven(["run_1"]):
            break
    assert await b.driven(["run_1"]) == {"run_1"} and await b.orphaned_runs() == []
    await b.request_cancel("run_1")
    for _ in range(50):
        if heard:
            break
        await asyncio.sleep(0.02)
    assert heard == ["run_1"]


async def test_a_cancel_request_reaches_the_other_process(pair: Any) -> None:
    a, b, heard = pair
    await b.request_cancel("run_1")
    for _ in range(50):
        if heard:
            break
        await asyncio.sleep(0.02)
    assert heard == ["run_1"]


async def test_a_wait_is_taken_off_by_one_process_only(pair: Any) -> None:
    a, b, _ = pair
    await a.wait(REF, 100)
    assert await b.due(99) == [] and await b.due(100) == [REF]
    assert await asyncio.gather(a.unwait("run_1"), b.unwait("run_1")) in ([True, False], [False, True])
    assert await a.due(1000) == []
