"""The console's languages: Chinese source strings, other languages from Qt translation catalogues."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LANGUAGES = ("zh_CN", "en")  # the first is the source language of every string


def install_translators(app: QCoreApplication, lang: str) -> list[QTranslator]:
    """Install Qt's own catalogue for ``lang`` and, unless it is the source language, ours.

    Returns the translators (the caller keeps them alive). Raises ``ValueError`` for an unknown
    language or a catalogue that does not load.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}")
    QLocale.setDefault(QLocale(lang))
    installed: list[QTranslator] = []
    qt = QTranslator(app)
    if qt.load(QLocale(lang), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    if lang != LANGUAGES[0]:
        catalogue = resources.files("resources.i18n") / f"console_{lang}.qm"
        ours = _Catalogue(catalogue.read_bytes(), app)
        if not ours.load(ours.data):
            raise ValueError(f"the {lang} catalogue {catalogue} does not load")
        app.installTranslator(ours)
        installed.append(ours)
    return installed


class _Catalogue(QTranslator):
    """A translator that keeps the bytes it was loaded from: ``QTranslator.load(data)`` does not copy
    them, and reads them for as long as it lives (a temporary ``bytes`` is freed and its memory reused)."""

    def __init__(self, data: bytes, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self.data = data
