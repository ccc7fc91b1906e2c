"""Stills kept as evidence, on a SQLite file and on PostgreSQL: written with who, when, which camera and
the frame's time, read back by case in the order of their frames after a restart and through the
store's own process; split at the case's feedback; refused whole when the table cannot take them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.core.evidence import Still, before_after
from console.store import Store
from console.store.process import StoreProcess
from console.store.schema import STILL_MAX_BYTES
from tests.store.conftest import Db
from tests.store_support.threads import no_store_threads  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("no_store_threads")

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


def still(case_no: str, minutes: int, camera: str = "11010100001320000001", jpeg: bytes = JPEG) -> Still:
    return Still(case_no, camera, "东四北大街<b>路口</b>", "李值班", "commander", T0 + timedelta(minutes=minutes + 1),
                 T0 + timedelta(minutes=minutes), 480, 270, jpeg)  # fmt: skip


def test_a_kept_still_survives_a_restart_with_its_metadata(db: Db) -> None:
    with Store(db) as s:
        ids = [s.save_still(still("DC1", m)) for m in (30, 10, 20)]
        s.save_still(still("DC2", 5))
    assert len(set(ids)) == 3
    with Store(db) as s:  # reopened
        kept = s.stills("DC1")
        assert [k.frame_at for k in kept] == [T0 + timedelta(minutes=m) for m in (10, 20, 30)]  # by frame
        first = kept[0]
        assert (first.case_no, first.camera_id, first.camera_name, first.who, first.role) == (
            "DC1",
            "11010100001320000001",
            "东四北大街<b>路口</b>",
            "李值班",
            "commander",
        )
        assert first.saved_at == T0 + timedelta(minutes=11) and first.saved_at.tzinfo is not None
        assert (first.width, first.height, first.jpeg) == (480, 270, JPEG)
        assert first.id == ids[1]
        assert [k.case_no for k in s.stills("DC2")] == ["DC2"]
        assert s.stills("DC3") == []
        assert [k.frame_at.minute for k in s.stills("DC1", limit=2)] == [20, 30]  # the newest two


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (still("DC1", 0, jpeg=b"\x89PNG...."), "must be a JPEG"),
        (still("DC1", 0, jpeg=b"\xff\xd8" + bytes(STILL_MAX_BYTES)), "over the limit"),
        (still("D" * 33, 0), "case_no is longer than 32"),
        (still("", 0), "needs its case"),
    ],
)
def test_a_still_the_table_cannot_take_whole_is_refused(tmp_path: Path, bad: Still, why: str) -> None:
    with Store(tmp_path / "c.db") as s:
        with pytest.raises(ValueError, match=why):
            s.save_still(bad)
        assert s.stills(bad.case_no) == []


def test_stills_go_through_the_stores_process(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    process = StoreProcess(db)
    process.open()
    try:
        assert process.save_still(still("DC9", 1)) >= 1
        assert [(k.case_no, k.jpeg) for k in process.stills("DC9")] == [("DC9", JPEG)]
    finally:
        process.close()
    with Store(db) as s:
        assert len(s.stills("DC9")) == 1


def test_stills_split_at_the_cases_feedback() -> None:
    stills = [still("DC1", m) for m in (0, 10, 20, 30)]
    before, after = before_after(stills, T0 + timedelta(minutes=20))
    assert [s.frame_at.minute for s in before] == [0, 10]
    assert [s.frame_at.minute for s in after] == [20, 30]
    assert before_after(stills, None) == (stills, [])
