"""Stills kept as evidence of a case (``console.core.evidence.Still``): written durably, read back by
case in the order of their frames (the store's ``stills`` table)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, insert, select

from console.core.evidence import Still
from console.store.schema import STILL_MAX_BYTES, Base, StillRow

_T = Base.metadata.tables[StillRow.__tablename__]
SHOWN_PER_CASE: Final = 24  # the newest a case's detail reads


def check(still: Still) -> None:
    """``ValueError`` for a still the table cannot take whole (nothing is cut to fit)."""
    if not still.jpeg.startswith(b"\xff\xd8"):
        raise ValueError("a still must be a JPEG")
    if len(still.jpeg) > STILL_MAX_BYTES:
        raise ValueError(f"a still of {len(still.jpeg)} bytes is over the limit of {STILL_MAX_BYTES}")
    for name, value, limit in (
        ("case_no", still.case_no, 32), ("camera_id", still.camera_id, 20), ("camera_name", still.camera_name, 200),
        ("who", still.who, 200), ("role", still.role, 64),
    ):  # fmt: skip
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    if not still.case_no or not still.camera_id:
        raise ValueError("a still needs its case and its camera")
    for name, at in (("saved_at", still.saved_at), ("frame_at", still.frame_at)):
        if at.tzinfo is None:
            raise ValueError(f"{name} must be an aware instant")


def write(conn: Connection, still: Still) -> int:
    """Insert ``still`` (checked); its id."""
    check(still)
    values = {
        "case_no": still.case_no, "camera_id": still.camera_id, "camera_name": still.camera_name,
        "who": still.who, "role": still.role, "saved_at": still.saved_at, "frame_at": still.frame_at,
        "width": still.width, "height": still.height, "jpeg": still.jpeg,
    }  # fmt: skip
    return int(conn.execute(insert(_T).returning(_T.c.id), values).scalar_one())


def of_case(conn: Connection, case_no: str, limit: int = SHOWN_PER_CASE) -> list[Still]:
    """The newest ``limit`` stills of a case, in the order of their frames."""
    rows = conn.execute(
        select(_T).where(_T.c.case_no == case_no).order_by(_T.c.frame_at.desc(), _T.c.id.desc()).limit(limit)
    ).all()
    return [
        Still(
            r.case_no,
            r.camera_id,
            r.camera_name,
            r.who,
            r.role,
            r.saved_at,
            r.frame_at,
            r.width,
            r.height,
            bytes(r.jpeg),
            r.id,
        )
        for r in reversed(rows)
    ]
