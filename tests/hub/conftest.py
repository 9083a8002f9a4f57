"""Fixtures of the class-server tests."""

import pytest

from tests.hub.postgres_harness import running_postgres


@pytest.fixture(scope="module")
def postgres():
    """A private PostgreSQL cluster on 127.0.0.1 for the test module, stopped after it."""
    with running_postgres() as cluster:
        yield cluster
