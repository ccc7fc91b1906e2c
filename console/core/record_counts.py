"""Counts of what the link holds, by kind and (for cases) by step: the plain first view."""

from __future__ import annotations

from collections import Counter

from server_link.link_state import Batch
from server_link.records import Case, Record


class RecordCounts:
    """Applies batches; keeps per-key kind and case step so counts update incrementally."""

    def __init__(self) -> None:
        self._kind: dict[str, str] = {}
        self._step: dict[str, str] = {}
        self.by_kind: Counter[str] = Counter()
        self.cases_by_step: Counter[str] = Counter()
        self.sequence = 0

    def apply(self, batch: Batch) -> None:
        if batch.reset:
            self._kind.clear()
            self._step.clear()
            self.by_kind.clear()
            self.cases_by_step.clear()
        for u in batch.updates:
            self._forget(u.key)
            if u.record is not None:
                self._remember(u.key, u.record)
        self.sequence = batch.sequence

    def _forget(self, key: str) -> None:
        kind = self._kind.pop(key, None)
        if kind is not None:
            self.by_kind[kind] -= 1
        step = self._step.pop(key, None)
        if step is not None:
            self.cases_by_step[step] -= 1

    def _remember(self, key: str, record: Record) -> None:
        kind = key.split("/", 2)[1]
        self._kind[key] = kind
        self.by_kind[kind] += 1
        if isinstance(record, Case):
            self._step[key] = record.step.value
            self.cases_by_step[record.step.value] += 1
