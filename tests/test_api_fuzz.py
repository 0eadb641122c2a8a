"""A small schemathesis run (all checks) against the served app, in local mode (SQLite)
and in multi-user mode (PostgreSQL, logged in, with the CSRF header): bench/fuzz_api.py
with few examples per operation, about a thousand requests or more in all."""

from __future__ import annotations

import sys

import pytest
from conftest import POSTGRES_ADMIN_URL, REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
import fuzz_api  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["local", pytest.param("multi-user", marks=pytest.mark.postgres)])
def test_schemathesis_finds_no_failure_of_any_kind(mode, request):
    if mode == "multi-user":
        request.getfixturevalue("_postgres_database")  # skips (or fails in CI) without a server
    results = fuzz_api.fuzz(examples=2, mode=mode, postgres=POSTGRES_ADMIN_URL, seed=12)
    (requests, failures, lines), = results.values()
    assert requests >= 500, requests
    assert not failures, "\n".join(lines)
