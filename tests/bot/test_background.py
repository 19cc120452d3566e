"""The background workers' loop: Redis away or a bug in a step never ends the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from bot.background import keep_running, worker_name
from bot.metrics import BOT_REDIS_ERRORS
from infomigra.runtime import redis_client
from tests.conftest import free_ports


async def test_the_loop_survives_redis_away_and_a_failing_step(
        caplog: pytest.LogCaptureFixture) -> None:
    down = redis_client(f"redis://127.0.0.1:{free_ports(1)[0]}/0")  # nothing listens there
    calls: list[str] = []
    done = asyncio.Event()

    async def step() -> None:
        calls.append("step")
        if len(calls) == 1:
            await down.ping()  # a real connection refused
        if len(calls) == 2:
            raise ValueError("a bug in one step")
        done.set()
        await asyncio.Event().wait()  # the third step runs until the worker is cancelled

    before = BOT_REDIS_ERRORS.labels(component="test-worker")._value.get()
    with caplog.at_level(logging.INFO, logger="bot.background"):
        task = asyncio.create_task(keep_running(step, component="test-worker", what="test worker",
                                                pause_on_error=0.01))
        await asyncio.wait_for(done.wait(), 10)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await down.aclose()
    assert calls == ["step"] * 3 and task.cancelled()
    assert BOT_REDIS_ERRORS.labels(component="test-worker")._value.get() == before + 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("test worker: Redis unreachable (ConnectionError)" in m for m in messages)
    assert any("test worker: unexpected error" in m for m in messages)


def test_worker_names_tell_processes_and_workers_apart() -> None:
    import os

    first, second = worker_name(), worker_name()
    assert first != second and first.startswith(f"{os.getpid()}-")
