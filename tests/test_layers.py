"""The layer table of ARCHITECTURE.md, enforced by import-linter; and the core's tests run without Qt."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("console", "widgets", "server_link", "resources")
LAYERS = "layers: shell > views | store > core > server_link > resources"


def paths_of(*names: str) -> list[str]:
    """The test files of these names, wherever they are under ``tests/``."""
    found = [str(p.relative_to(ROOT)) for name in names for p in sorted((ROOT / "tests").rglob(f"{name}.py"))]
    assert len(found) == len(names), (names, found)
    return found


CORE_TESTS = paths_of("test_rules", "test_situation", "test_history")
"""The core's tests: they must pass with Qt never loaded."""
QT_FREE_TESTS = CORE_TESTS + paths_of(
    "test_codec", "test_curve", "test_link_fuzz", "test_link_hostile", "test_link_malformed", "test_link_recovery",
    "test_link_sync", "test_protocol_doc", "test_simulator", "test_workcal", "test_district_build",
    "test_district_data", "test_store", "test_store_crash", "test_store_migrations", "test_store_process",
    "test_time_travel_situation",
)  # fmt: skip
"""server_link's and the store's tests too: collecting them (importing every module) loads no Qt."""
NO_QT = ("-p", "no:pytest-qt", "-p", "tests.support.no_qt", "-W", "ignore::pytest.PytestConfigWarning")


def lint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache", *args], cwd=cwd, capture_output=True, text=True, timeout=180)


def test_import_contracts_are_kept() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in result.stdout
    assert "8 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import"),
    [
        ("console/core/rules.py", "import console.shell"),  # the core reaching up to the shell
        ("console/core/untrusted.py", "import widgets.labels"),  # the core reaching up to a view
        ("server_link/records.py", "import console.core.rules"),  # the records reaching up to the core
        ("console/store/paths.py", "import widgets"),  # siblings: the store and the views are independent
        ("widgets/labels.py", "import console.store"),
    ],
)
def test_the_layers_contract_fails_on_a_wrong_import(tmp_path: Path, module: str, wrong_import: str) -> None:
    """A copy of the packages with one import against the order: the layers contract alone breaks."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert lint(tmp_path, "--contract", "layers").returncode == 0  # the copy keeps it, as the tree does
    target = tmp_path / module
    target.write_text(f"{wrong_import}  # noqa\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    result = lint(tmp_path, "--contract", "layers")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{LAYERS} BROKEN" in result.stdout and "0 kept, 1 broken" in result.stdout
    assert wrong_import.split()[1] in result.stdout  # the report names the offending import


def run_without_qt(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", *NO_QT, "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_cores_tests_run_without_qt() -> None:
    """The core's tests, in a process of their own without pytest-qt: they pass, and by the end no
    module of PySide6 (QtWebEngine included), shiboken6 or pyqtgraph was ever imported."""
    result = run_without_qt(*CORE_TESTS)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "QT NEVER LOADED" in result.stdout and " passed" in result.stdout


def test_the_link_and_store_tests_load_no_qt() -> None:
    result = run_without_qt("--collect-only", *QT_FREE_TESTS)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "QT NEVER LOADED" in result.stdout


def test_the_check_sees_qt_when_it_is_loaded() -> None:
    """The plugin that proves the above can fail: with pytest-qt on, Qt is loaded and the run fails."""
    command = [sys.executable, "-m", "pytest", "-p", "tests.support.no_qt", "-q", "-p", "no:cacheprovider"]
    command += paths_of("test_workcal")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "QT LOADED: PySide6" in result.stdout, result.stdout[-2000:]
