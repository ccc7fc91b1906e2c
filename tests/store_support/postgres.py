"""A throw-away PostgreSQL server for the store's tests, and the fixtures that use it.

``postgres_server`` (session): the URL of a server. ``GRID_TEST_POSTGRES_URL`` names one to use;
without it, a private cluster is made for the run: ``initdb`` into a temporary folder (Debian's
binaries under ``/usr/lib/postgresql/*/bin``), listening only on a Unix socket in that folder,
started with ``pg_ctl``, stopped and removed when the session ends. PostgreSQL refuses to run as
root, so as root the cluster belongs to the ``postgres`` user Debian's package creates.

``postgres_url`` (per test): a fresh schema on that server (``search_path``), dropped afterwards.

When no server can be had, the tests skip on a developer's machine and fail with CI=true, so a
broken set-up can never pass in CI by skipping.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

URL_VARIABLE = "GRID_TEST_POSTGRES_URL"
SERVER_USER_AS_ROOT = "postgres"  # made by Debian's postgresql package
DATABASE = "grid_test"
SUPERUSER = "grid"
PORT = 5432  # only names the socket file, which lives in our own folder: no clash with another server
SETTINGS = {  # a test cluster: fast and small, durability is not the point
    "listen_addresses": "''",
    "port": str(PORT),
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "'16MB'",
    "max_connections": "100",
}


class PostgresUnavailable(RuntimeError):
    """No server could be started; the message says why and what to install."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL binaries, else ``initdb``/``pg_ctl`` on the PATH."""

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").is_file()]
    if found:
        return max(found, key=version)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


class TempPostgres:
    """A private cluster in a temporary folder; ``start()`` it, read ``url``, ``stop()`` it."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder: Path | None = None
        self.url = ""
        self.started_in = 0.0  # seconds, for the report
        self._owner = os.getpid()  # a forked child never stops our server
        self._running = False
        self._user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam(SERVER_USER_AS_ROOT)
            except KeyError:
                raise PostgresUnavailable(
                    f"as root PostgreSQL must run as an unprivileged user, and there is no {SERVER_USER_AS_ROOT!r}"
                    " user (apt-get install postgresql creates it)"
                ) from None

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    @property
    def log(self) -> Path:
        assert self.folder is not None
        return self.folder / "server.log"

    def _run(self, *args: str, timeout: float = 60) -> str:
        """Run one of the server's programs, as the server's user; its output, or an error with it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        cmd = [str(self.bindir / args[0]), *args[1:]]
        user = self._user
        if user is not None:
            env.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
        try:
            done = subprocess.run(
                cmd, cwd=self.folder, env=env, capture_output=True, text=True, timeout=timeout, check=False,
                user=None if user is None else user.pw_uid,
                group=None if user is None else user.pw_gid,
                extra_groups=None if user is None else [],
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"{' '.join(cmd)}: {exc}") from exc
        if done.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> TempPostgres:
        started = time.monotonic()
        base = tempfile.gettempdir()
        if len(base) > 60:  # a Unix socket path has room for about 100 characters
            base = "/tmp"
        self.folder = Path(tempfile.mkdtemp(prefix="grid-pg-", dir=base))
        try:
            if self._user is not None:
                os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
            self._run(
                "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"
            )  # fmt: skip
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# grid-console tests\n")
                conf.write(f"unix_socket_directories = '{self.folder}'\n")
                conf.writelines(f"{k} = {v}\n" for k, v in SETTINGS.items())
            self._running = True  # from here on stop() tries pg_ctl, even if start reports a failure
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start", timeout=90)
            self._run("createdb", "-h", str(self.folder), "-p", str(PORT), "-U", SUPERUSER, DATABASE)
        except PostgresUnavailable as exc:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            self.stop()
            raise PostgresUnavailable(f"{exc}\n{log}".rstrip()) from None
        except BaseException:
            self.stop()
            raise
        self.url = sa.URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            database=DATABASE,
            query={"host": str(self.folder), "port": str(PORT)},
        ).render_as_string(hide_password=False)
        self.started_in = time.monotonic() - started
        return self

    def stop(self) -> None:
        """Stop the server (fast, then immediate) and remove its folder; safe to call twice."""
        if os.getpid() != self._owner or self.folder is None:
            return
        if self._running:
            self._running = False
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop", timeout=45)
            except PostgresUnavailable:
                # Not running (start failed early) or already gone, then there is nothing left to stop.
                with contextlib.suppress(PostgresUnavailable):
                    self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", timeout=45)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


def unavailable(why: str) -> NoReturn:
    """Skip on a developer's machine; fail loudly in CI."""
    if in_ci():
        pytest.fail(f"the PostgreSQL tests cannot run, and CI=true forbids skipping them: {why}", pytrace=False)
    pytest.skip(
        f"no PostgreSQL server ({why}); install Debian's postgresql or set {URL_VARIABLE}=postgresql+psycopg://…"
    )


def _driver_or_unavailable() -> None:
    if importlib.util.find_spec("psycopg") is None:
        unavailable("the psycopg driver is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database for this session (see the module docstring)."""
    _driver_or_unavailable()
    given = os.environ.get(URL_VARIABLE, "")
    if given:
        yield given
        return
    bindir = find_bindir()
    if bindir is None:
        unavailable("no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on the PATH")
    try:
        server = TempPostgres(bindir).start()
    except PostgresUnavailable as exc:
        unavailable(f"a throw-away server did not start: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema on the session's server, first on the search path; dropped afterwards."""
    url = sa.make_url(postgres_server)
    admin = sa.create_engine(url)
    schema = f"grid_test_{secrets.token_hex(4)}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"cannot reach {url.render_as_string(hide_password=True)}: {exc}")
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
