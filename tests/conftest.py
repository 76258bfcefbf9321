"""Shared fixtures. `writer_env`: one real soffice for the whole test session (start-up costs ~2 s),
closed at the end; tests call `writer_env.reset(...)` themselves. No soffice started by this session
outlives it (other engineers' soffice processes on the machine are never touched)."""

from __future__ import annotations

import os
import signal
import time

import pytest


@pytest.fixture(scope="session")
def writer_env():
    from lamfactory.apps.writer.env import WriterEnv

    env = WriterEnv()
    try:
        yield env
    finally:
        env.close()


@pytest.fixture
def reset_after_soffice_died():
    """(env, task) -> reset(task)'s observation after its open episode's soffice was SIGKILLed, asserting the
    restart's reopening was reset's one load (OfficeEnv's crash recovery used to load the document twice)."""
    def run(env, task):
        env.reset(task)
        restarts, old = env.restarts, env.pid
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while env.office.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        loads, inprocess = [], env.office.inprocess

        def counting(request, timeout_s=None):
            resp = inprocess(request, timeout_s)
            loads.extend(op for op in request.get("ops", ()) if op.get("op") == "load")
            return resp
        env.office.inprocess = counting
        try:
            obs = env.reset(task)
        finally:
            del env.office.inprocess
        assert len(loads) == 1 and env.restarts == restarts + 1 and env.pid != old
        return obs
    return run


@pytest.fixture(scope="session", autouse=True)
def _no_orphan_soffice():
    yield
    from lamfactory.apps.libreoffice import soffice

    soffice.kill_all_started()
    assert not soffice.started_alive(), f"soffice processes survived the session: {soffice.started_alive()}"
