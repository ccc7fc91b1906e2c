"""Alembic migrations of the store: from an empty database, from the previous revision with rows in
it, the models agreeing with the migrations, and the same on PostgreSQL (a throw-away server the tests
start, or the one in GRID_TEST_POSTGRES_URL: tests/store_support/postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from console.core.daily import DISTRICT_ID, DayFigures, Scope
from console.store import ActionStatus, LinkEventKind, OutsideWindow, Store
from console.store.migrations import (
    FIRST_REVISION,
    HEAD_REVISION,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from console.store.schema import Base
from tests.store_support.batches import Feed, body
from tests.store_support.threads import no_store_threads  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("no_store_threads")

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TABLES = {
    "journal", "state", "link_meta", "checkpoints", "operator_actions", "link_events", "alarm_book", "daily_figures",
    "stills", "journal_dictionaries", "checkpoint_cases", "alembic_version",
}  # fmt: skip
PREVIOUS_REVISION = "0007"  # the one before head
BEFORE_DICTIONARIES = "0006"
BEFORE_STILLS = "0005"
BEFORE_DAILY = "0004"
BEFORE_ALARM_BOOK = "0003"
BEFORE_LINK_EVENTS = "0002"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    e = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    yield e
    e.dispose()


def schema_drift(engine: sa.Engine) -> list[object]:
    """Differences between the models and the migrated database (empty when they agree)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def test_the_head_revision_is_the_newest_script() -> None:
    assert head_revision() == HEAD_REVISION
    assert alembic_config().get_main_option("script_location")
    revisions = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]  # newest first
    assert revisions == [
        HEAD_REVISION, PREVIOUS_REVISION, BEFORE_DICTIONARIES, BEFORE_STILLS, BEFORE_DAILY, BEFORE_ALARM_BOOK,
        BEFORE_LINK_EVENTS, FIRST_REVISION,
    ]  # fmt: skip
    assert revisions == ["0008", "0007", "0006", "0005", "0004", "0003", "0002", "0001"]


def test_migrate_an_empty_database_to_head(engine: sa.Engine) -> None:
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert set(sa.inspect(engine).get_table_names()) == TABLES
    assert [ix["name"] for ix in sa.inspect(engine).get_indexes("link_events")] == ["ix_link_events_at"]
    assert schema_drift(engine) == []  # the models are exactly what the migrations build
    upgrade(engine)  # at head already: nothing to do
    assert current_revision(engine) == HEAD_REVISION


def test_migrate_from_the_first_revision_keeps_the_rows(engine: sa.Engine, tmp_path: Path) -> None:
    command.upgrade(alembic_config(str(engine.url)), FIRST_REVISION)
    assert current_revision(engine) == FIRST_REVISION
    assert "checkpoints" not in sa.inspect(engine).get_table_names()
    feed = Feed()
    batch = feed.batch([body(1), body(2)])
    with engine.begin() as conn:  # what a console at revision 0001 had written
        for u in batch.updates:
            conn.execute(
                sa.text(
                    "INSERT INTO journal (sequence, epoch, key, body, received_at) VALUES (:s, 'epoch-a', :k, :b, :t)"
                ),
                {"s": u.sequence, "k": u.key, "b": u.body, "t": "2026-11-20 08:00:00.000000"},
            )
            conn.execute(
                sa.text("INSERT INTO state (key, body, sequence, updated_at) VALUES (:k, :b, :s, :t)"),
                {"s": u.sequence, "k": u.key, "b": u.body, "t": "2026-11-20 08:00:00.000000"},
            )
        conn.execute(
            sa.text(
                "INSERT INTO link_meta (id, epoch, last_sequence, saved_at, schema_version) "
                "VALUES (1, 'epoch-a', 2, '2026-11-20 08:00:00.000000', 1)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO operator_actions (at, who, role, kind, case_no, text) "
                "VALUES ('2026-11-20 08:01:00.000000', '王敏', 'operator', 'acknowledge', 'DC0000000001', '已查看')"
            )
        )

    # The console of this build opens it: the store migrates to head on open.
    with Store(tmp_path / "m.db", clock=lambda: T0 + timedelta(hours=1)) as store:
        assert current_revision(engine) == HEAD_REVISION
        assert schema_drift(engine) == []
        known = store.last_known()
        assert store.resumed and known.bodies == feed.bodies
        assert (known.sequence, known.epoch, known.saved_at) == (2, "epoch-a", T0)
        [action] = store.actions()
        assert (action.who, action.case_no, action.status, action.at) == (
            "王敏", "DC0000000001", ActionStatus.RECORDED, T0 + timedelta(minutes=1),
        )  # fmt: skip
        # History from before checkpoints existed cannot be rebuilt; from the first write on, it can.
        with pytest.raises(OutsideWindow):
            store.state_at(T0, now=T0 + timedelta(hours=1))
        assert store.submit(feed.batch([body(3)]), T0 + timedelta(minutes=5))
        assert store.flush(10)
        assert store.state_at(T0 + timedelta(minutes=6), now=T0 + timedelta(hours=1)).bodies == feed.bodies
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM journal")).scalar() == 3


def test_migrate_from_0002_with_rows_keeps_them_and_adds_link_events(engine: sa.Engine, tmp_path: Path) -> None:
    command.upgrade(alembic_config(str(engine.url)), BEFORE_LINK_EVENTS)
    assert current_revision(engine) == BEFORE_LINK_EVENTS
    assert "link_events" not in sa.inspect(engine).get_table_names()
    with engine.begin() as conn:  # what a console at revision 0002 had written
        conn.execute(
            sa.text(
                "INSERT INTO operator_actions (at, who, role, kind, text, status, status_at) "
                "VALUES ('2026-11-20 08:01:00.000000', '王敏', 'operator', 'decision', '派单', 'sent', "
                "'2026-11-20 08:01:00.000000')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO checkpoints (taken_at, journal_id, sequence, epoch, keys, blob) "
                "VALUES ('2026-11-20 08:00:00.000000', 0, 0, 'epoch-a', 0, x'00')"
            )
        )
    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert set(sa.inspect(engine).get_table_names()) == TABLES
    assert schema_drift(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT who, status FROM operator_actions")).all() == [("王敏", "sent")]
        assert conn.execute(sa.text("SELECT epoch FROM checkpoints")).all() == [("epoch-a",)]
        assert conn.execute(sa.text("SELECT count(*) FROM link_events")).scalar() == 0
    with Store(tmp_path / "m.db", clock=lambda: T0 + timedelta(hours=1)) as store:
        store.record_link_event(LinkEventKind.STARTED, at=T0 + timedelta(minutes=2))
        assert [(e.kind, e.at) for e in store.link_events(T0)] == [("started", T0 + timedelta(minutes=2))]
        [action] = store.actions()
        assert (action.text, action.status) == ("派单", ActionStatus.SENT)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migrate_from_0004_with_rows_keeps_them_and_adds_an_empty_daily_table(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url: str = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    try:
        command.upgrade(alembic_config(url), BEFORE_DAILY)
        assert current_revision(engine) == BEFORE_DAILY
        assert "daily_figures" not in sa.inspect(engine).get_table_names()
        feed = Feed()
        with engine.begin() as conn:  # what a console at revision 0004 had written
            for u in feed.batch([body(1), body(2)]).updates:
                conn.execute(
                    sa.text("INSERT INTO state (key, body, sequence, updated_at) VALUES (:k, :b, :s, :t)"),
                    {"s": u.sequence, "k": u.key, "b": u.body, "t": "2026-11-20 08:00:00.000000"},
                )
            conn.execute(
                sa.text("INSERT INTO link_meta (id, epoch, last_sequence, saved_at, schema_version) "
                        "VALUES (1, 'epoch-a', 2, :t, 1)"),
                {"t": "2026-11-20 08:00:00.000000"},
            )  # fmt: skip
            conn.execute(sa.text("INSERT INTO alarm_book (id, saved_at, data) VALUES (1, :t, :d)"),
                         {"t": "2026-11-20 08:00:00.000000", "d": '{"alarms": [1]}'})  # fmt: skip
        upgrade(engine)
        assert current_revision(engine) == HEAD_REVISION
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
        assert schema_drift(engine) == []
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM daily_figures")).scalar() == 0
            assert conn.execute(sa.text("SELECT count(*) FROM state")).scalar() == 2
    finally:
        engine.dispose()
    day = date(2026, 11, 19)
    db = tmp_path / "m.db" if backend == "sqlite" else url
    with Store(db, clock=lambda: T0 + timedelta(hours=1)) as store:  # the console of this build opens it
        assert store.saved_alarms() == {"alarms": [1]}
        assert store.last_known().bodies == feed.bodies
        assert store.save_daily([DayFigures(day, Scope.DISTRICT, DISTRICT_ID, received=5)]) == [day]
        assert [(r.day, r.received) for r in store.daily(day, day)] == [(day, 5)]


def test_downgrade_to_the_previous_revision_and_back(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO link_events (at, kind, detail) VALUES ('2026-11-20 08:00:00.000000', 'stale', '')")
        )
        conn.execute(
            sa.text(
                "INSERT INTO operator_actions (at, who, role, kind, text) "
                "VALUES ('2026-11-20 08:01:00.000000', 'op', 'operator', 'note', 'kept')"
            )
        )
    with engine.begin() as conn:
        conn.execute(
            sa.text("""INSERT INTO alarm_book (id, saved_at, data) VALUES (1, '2026-11-20 08:02:00.000000', '{}')""")
        )
        conn.execute(
            sa.text(
                "INSERT INTO daily_figures VALUES ('2026-11-19', 'district', '', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, "
                "'2026-11-20 08:02:00.000000')"
            )
        )
    command.downgrade(alembic_config(str(engine.url)), PREVIOUS_REVISION)
    assert current_revision(engine) == PREVIOUS_REVISION
    assert set(sa.inspect(engine).get_table_names()) == TABLES - {"checkpoint_cases"}
    command.downgrade(alembic_config(str(engine.url)), BEFORE_DICTIONARIES)
    assert set(sa.inspect(engine).get_table_names()) == TABLES - {"checkpoint_cases", "journal_dictionaries"}
    command.downgrade(alembic_config(str(engine.url)), BEFORE_STILLS)
    assert set(sa.inspect(engine).get_table_names()) == TABLES - {"checkpoint_cases", "journal_dictionaries", "stills"}
    command.downgrade(alembic_config(str(engine.url)), BEFORE_DAILY)
    assert set(sa.inspect(engine).get_table_names()) == TABLES - {
        "checkpoint_cases",
        "journal_dictionaries",
        "stills",
        "daily_figures",
    }
    command.downgrade(alembic_config(str(engine.url)), BEFORE_ALARM_BOOK)
    assert set(sa.inspect(engine).get_table_names()) == TABLES - {
        "checkpoint_cases", "journal_dictionaries", "stills", "daily_figures", "alarm_book"
    }  # fmt: skip
    command.downgrade(alembic_config(str(engine.url)), BEFORE_LINK_EVENTS)
    assert "link_events" not in sa.inspect(engine).get_table_names()
    assert set(sa.inspect(engine).get_table_names()) == TABLES - {
        "link_events",
        "alarm_book",
        "daily_figures",
        "stills",
        "journal_dictionaries",
        "checkpoint_cases",
    }
    with engine.connect() as conn:  # the downgrades drop only the alarm book and the link events
        assert conn.execute(sa.text("SELECT text FROM operator_actions")).scalar() == "kept"
    command.downgrade(alembic_config(str(engine.url)), FIRST_REVISION)
    assert current_revision(engine) == FIRST_REVISION
    assert "checkpoints" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert set(sa.inspect(engine).get_table_names()) == TABLES
    assert schema_drift(engine) == []


# ---------------------------------------------------------------------- PostgreSQL
@pytest.mark.postgres
def test_postgres_migrations_round_trip_actions_and_time_travel(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        command.upgrade(alembic_config(postgres_url), FIRST_REVISION)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO operator_actions (at, who, role, kind, text) "
                    "VALUES (:t, 'op', 'operator', 'note', 'x')"
                ),
                {"t": T0},
            )
        command.upgrade(alembic_config(postgres_url), BEFORE_LINK_EVENTS)
        assert "link_events" not in sa.inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == HEAD_REVISION
        assert set(sa.inspect(engine).get_table_names()) == TABLES
        assert schema_drift(engine) == []
        command.downgrade(alembic_config(postgres_url), BEFORE_LINK_EVENTS)  # and back: drops only what came later
        assert set(sa.inspect(engine).get_table_names()) == TABLES - {
            "link_events",
            "alarm_book",
            "daily_figures",
            "stills",
            "journal_dictionaries",
            "checkpoint_cases",
        }
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()

    now = T0 + timedelta(days=1)
    feed = Feed()
    history = []
    with Store(postgres_url, clock=lambda: now) as store:
        assert [a.text for a in store.actions()] == ["x"]
        for i in range(8):
            at = T0 + timedelta(minutes=20 * i)
            if i == 5:
                batch = feed.reset([body(n, version=i) for n in range(3, 9)], epoch="epoch-b", sequence=100)
            else:
                batch = feed.batch([body(i, version=i), body(i + 1, version=i), (body(i - 1)[0], b"")])
            assert store.submit(batch, at)
            history.append((at, dict(feed.bodies)))
        assert store.flush(30)
        assert store.last_known().bodies == feed.bodies
        action = store.record_action("decision", "李强", "council", "派单", case_no="DC0000000003", payload={"n": 1})
        assert store.actions()[0] == action
        store.set_action_status(action.id, ActionStatus.SENT)
        store.record_link_event(LinkEventKind.RESYNC, "序列跳号", at=T0 + timedelta(minutes=100))
        assert [(e.kind, e.detail) for e in store.link_events(T0)] == [(LinkEventKind.RESYNC, "序列跳号")]
        assert store.stats().checkpoints >= 3
        for at, expected in history:
            assert store.state_at(at + timedelta(minutes=1), now=now).bodies == expected
    with Store(postgres_url, clock=lambda: now) as again:
        assert again.resumed and again.last_known().bodies == feed.bodies
