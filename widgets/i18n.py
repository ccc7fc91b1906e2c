"""Marks for Qt's lupdate, typed for mypy (PySide6 types ``QT_TRANSLATE_NOOP`` as returning ``object``)."""

from __future__ import annotations


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Mark ``source`` for translation in ``context`` and return it unchanged.

    For tables built at import time, before a translator is installed: lupdate extracts the call (by
    its name), and the caller translates at use time with ``QCoreApplication.translate(context, source)``.
    """
    return source
