"""Where the store lives: a SQLite file in the user's data folder, unless ``--db`` says otherwise.

The data folder follows the XDG base directory rules on Linux (``$XDG_DATA_HOME`` or
``~/.local/share``), ``%LOCALAPPDATA%`` on Windows and ``~/Library/Application Support`` on macOS,
so no extra dependency is needed for the one folder we use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from sqlalchemy.engine import URL, make_url

APP_FOLDER: Final = "grid-console"
DB_FILE: Final = "console.db"


def data_folder() -> Path:
    """The per-user folder for the console's data (not created here)."""
    return _user_folder("LOCALAPPDATA", "AppData/Local", "Library/Application Support", "XDG_DATA_HOME", ".local/share")


def config_folder() -> Path:
    """The per-user folder for the console's settings (not created here), e.g. ``alarm_rules.toml``."""
    return _user_folder("APPDATA", "AppData/Roaming", "Library/Preferences", "XDG_CONFIG_HOME", ".config")


def _user_folder(win_env: str, win_home: str, mac_home: str, xdg_env: str, xdg_home: str) -> Path:
    """The console's folder under the platform's per-user base: Windows' variable (or its default under
    the home folder), macOS's Library folder, or the XDG variable (or its default)."""
    if sys.platform == "win32":
        base = os.environ.get(win_env) or str(Path.home() / win_home)
    elif sys.platform == "darwin":
        base = str(Path.home() / mac_home)
    else:
        xdg = os.environ.get(xdg_env, "")
        # The XDG spec says a relative value is invalid and must be ignored.
        base = xdg if xdg and Path(xdg).is_absolute() else str(Path.home() / xdg_home)
    return Path(base) / APP_FOLDER


def default_db_path() -> Path:
    return data_folder() / DB_FILE


def database_url(db: str | os.PathLike[str] | None = None) -> URL:
    """The SQLAlchemy URL for ``--db``: None → the default SQLite file; a string with ``://`` → that
    URL (``postgresql+psycopg://…``, ``sqlite:///…``); anything else → a SQLite file at that path.

    The folder of a SQLite file is created, so a fresh machine needs no setup. In-memory SQLite is
    refused: the writer and the durable action path use separate connections to one database.
    """
    if db is None:
        path = default_db_path()
    elif isinstance(db, str) and "://" in db:
        url = make_url(db)
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
                raise ValueError(f"{db!r}: the store needs a database file, not in-memory SQLite")
            Path(url.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        return url
    else:
        path = Path(db)
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite+pysqlite", database=str(path))
