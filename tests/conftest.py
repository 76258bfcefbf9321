"""Shared fixtures. `writer_env`: one real soffice for the whole test session (start-up costs ~2 s),
closed at the end; tests call `writer_env.reset(...)` themselves. No soffice started by this session
outlives it (other engineers' soffice processes on the machine are never touched)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def writer_env():
    from lamfactory.apps.writer.env import WriterEnv

    env = WriterEnv()
    try:
        yield env
    finally:
        env.close()


@pytest.fixture(scope="session", autouse=True)
def _no_orphan_soffice():
    yield
    from lamfactory.apps.libreoffice import soffice

    soffice.kill_all_started()
    assert not soffice.started_alive(), f"soffice processes survived the session: {soffice.started_alive()}"
