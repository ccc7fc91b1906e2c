"""The store's tests' database: each test that takes ``db`` runs twice, on a SQLite file and on a
fresh PostgreSQL schema (the throw-away server of tests/store_support/postgres.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

Db = Path | str  # a SQLite file, or the URL of a PostgreSQL schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        return tmp_path / "console.db"
    url: str = request.getfixturevalue("postgres_url")
    return url
