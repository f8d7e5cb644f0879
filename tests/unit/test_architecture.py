"""The layering contracts (import-linter) and the lint, format and type-check gate hold.

Every contract is also shown to be breakable: a copy of the packages with one violating module
injected must break exactly the contracts that rule forbids, naming the offending import.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
IMPORTLINTER = PYPROJECT["tool"]["importlinter"]
CONTRACT_NAMES = [contract["name"] for contract in IMPORTLINTER["contracts"]]

CORE = "kiosk.core imports only the standard library"
DEVICES = "devices (a library) imports only the standard library and device drivers"
ACCESSIBILITY = "accessibility (a library) imports only the standard library and pyttsx3"
UI = "kiosk.ui imports only the standard library, kiosk.core and Kivy"
STORAGE = "kiosk.storage imports only stdlib, kiosk.core, SQLAlchemy and Alembic"
ILS = "kiosk.ils imports only stdlib, kiosk.core, SQLAlchemy and devices"
SYNC = "kiosk.sync imports only the standard library, kiosk.core and requests"
GATE = (
    "kiosk.gate imports only stdlib, kiosk.core, kiosk.storage, kiosk.config, devices and "
    "accessibility (no Kivy)"
)
LAYERS = "kiosk layers: cli > bootstrap > ui | gate > ils | storage | sync > core"

TYPE_CHECKING_ONLY = (
    "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import sqlalchemy\n"
)

# id -> (files to add, relative to the copy; {broken contract: offending import it must name}).
# kiosk.sync does not exist yet: its cases create the package.
MUTATIONS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "core-imports-babel": (
        {"kiosk/core/bad.py": "import babel\n"},
        {CORE: "kiosk.core.bad -> babel"},
    ),
    "core-imports-sqlalchemy-for-type-checking": (
        {"kiosk/core/bad.py": TYPE_CHECKING_ONLY},
        {CORE: "kiosk.core.bad -> sqlalchemy"},
    ),
    "core-imports-config": (
        {"kiosk/core/bad.py": "import kiosk.config\n"},
        {CORE: "kiosk.core.bad -> kiosk.config"},
    ),
    "core-imports-storage": (
        {"kiosk/core/bad.py": "import kiosk.storage\n"},
        {CORE: "kiosk.core.bad -> kiosk.storage", LAYERS: "kiosk.core.bad -> kiosk.storage"},
    ),
    "core-imports-ui": (
        {"kiosk/core/bad.py": "import kiosk.ui\n"},
        {CORE: "kiosk.core.bad -> kiosk.ui", LAYERS: "kiosk.core.bad -> kiosk.ui"},
    ),
    "storage-imports-kivy": (
        {"kiosk/storage/bad.py": "import kivy\n"},
        {STORAGE: "kiosk.storage.bad -> kivy"},
    ),
    "storage-imports-ils": (
        {"kiosk/storage/bad.py": "import kiosk.ils\n"},
        {STORAGE: "kiosk.storage.bad -> kiosk.ils", LAYERS: "kiosk.storage.bad -> kiosk.ils"},
    ),
    "ils-imports-storage": (
        {"kiosk/ils/bad.py": "import kiosk.storage\n"},
        {ILS: "kiosk.ils.bad -> kiosk.storage", LAYERS: "kiosk.ils.bad -> kiosk.storage"},
    ),
    "ils-imports-kivy": (
        {"kiosk/ils/bad.py": "import kivy\n"},
        {ILS: "kiosk.ils.bad -> kivy"},
    ),
    "ui-imports-sqlalchemy": (
        {"kiosk/ui/bad.py": "import sqlalchemy\n"},
        {UI: "kiosk.ui.bad -> sqlalchemy"},
    ),
    "ui-imports-ils": (
        {"kiosk/ui/bad.py": "import kiosk.ils\n"},
        {UI: "kiosk.ui.bad -> kiosk.ils"},
    ),
    "ui-imports-bootstrap": (
        {"kiosk/ui/bad.py": "import kiosk.bootstrap\n"},
        {UI: "kiosk.ui.bad -> kiosk.bootstrap", LAYERS: "kiosk.ui.bad -> kiosk.bootstrap"},
    ),
    "gate-imports-ui": (
        {"kiosk/gate/__init__.py": "", "kiosk/gate/bad.py": "import kiosk.ui\n"},
        {LAYERS: "kiosk.gate.bad -> kiosk.ui", GATE: "kiosk.gate.bad -> kiosk.ui"},
    ),
    "gate-imports-kivy": (
        {"kiosk/gate/bad.py": "import kivy\n"},
        {GATE: "kiosk.gate.bad -> kivy"},
    ),
    "sync-imports-sqlalchemy": (
        {"kiosk/sync/__init__.py": "", "kiosk/sync/bad.py": "import sqlalchemy\n"},
        {SYNC: "kiosk.sync.bad -> sqlalchemy"},
    ),
    "sync-imports-storage": (
        {"kiosk/sync/__init__.py": "", "kiosk/sync/bad.py": "import kiosk.storage\n"},
        {SYNC: "kiosk.sync.bad -> kiosk.storage", LAYERS: "kiosk.sync.bad -> kiosk.storage"},
    ),
    "devices-imports-kivy": (
        {"devices/bad.py": "import kivy\n"},
        {DEVICES: "devices.bad -> kivy"},
    ),
    "devices-imports-kiosk": (
        {"devices/bad.py": "import kiosk\n"},
        {DEVICES: "devices.bad -> kiosk"},
    ),
    "devices-imports-central": (
        {"devices/bad.py": "import central\n"},
        {DEVICES: "devices.bad -> central"},
    ),
    "accessibility-imports-kiosk": (
        {"accessibility/bad.py": "from kiosk.core import model\n"},
        {ACCESSIBILITY: "accessibility.bad -> kiosk.core.model"},
    ),
    "accessibility-imports-kivy": (
        {"accessibility/bad.py": "import kivy\n"},
        {ACCESSIBILITY: "accessibility.bad -> kivy"},
    ),
}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_import_contracts_are_kept() -> None:
    result = _run([BIN / "lint-imports", "--no-cache"], cwd=REPO)
    assert result.returncode == 0, _output(result)
    assert "0 broken" in result.stdout, _output(result)


def test_ruff_check_passes() -> None:
    result = _run([BIN / "ruff", "check", "."], cwd=REPO)
    assert result.returncode == 0, _output(result)


def test_ruff_format_is_clean() -> None:
    result = _run([BIN / "ruff", "format", "--check", "."], cwd=REPO)
    assert result.returncode == 0, _output(result)


def test_mypy_passes() -> None:
    """mypy with [tool.mypy] from pyproject.toml: what it checks and how strictly."""
    result = _run([BIN / "mypy"], cwd=REPO)
    assert result.returncode == 0, _output(result)


def _contract_type_files() -> list[Path]:
    """The source files of the custom contract types named in ``contract_types``."""
    files = []
    for entry in IMPORTLINTER.get("contract_types", []):
        module = entry.split(": ")[1].rpartition(".")[0]
        files.append(Path(*module.split(".")).with_suffix(".py"))
    return files


def _copy_project(destination: Path) -> None:
    for package in IMPORTLINTER["root_packages"]:
        shutil.copytree(
            REPO / package, destination / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for relative in _contract_type_files():
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relative, destination / relative)
    shutil.copyfile(REPO / "pyproject.toml", destination / "pyproject.toml")


def _lint_copy(copy: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the copy, with the project's configuration, from the copy's root."""
    # A wide console, so rich does not wrap contract names or imports across lines.
    env = {**os.environ, "PYTHONPATH": str(copy), "COLUMNS": "250"}
    args = [BIN / "lint-imports", "--no-cache", "--no-logo", "--config", "pyproject.toml"]
    return _run(args, copy, env)


def _broken_report(stdout: str, name: str) -> str:
    """The part of the 'Broken contracts' report under the contract's heading."""
    report = stdout.partition("Broken contracts\n----------------\n")[2]
    section = report.partition(f"\n{name}\n{'-' * len(name)}\n")[2]
    next_headings = [
        section.find(f"\n{other}\n{'-' * len(other)}\n")
        for other in CONTRACT_NAMES
        if other != name
    ]
    end = min((i for i in next_headings if i >= 0), default=len(section))
    return section[:end]


def test_every_contract_has_a_mutation_that_breaks_it() -> None:
    """A contract added later without a mutation case here fails the suite."""
    broken_by_some_mutation = {name for _, expected in MUTATIONS.values() for name in expected}
    assert set(CONTRACT_NAMES) - broken_by_some_mutation == set()
    # ...and the table names no contract that is not configured (e.g. after a rename).
    assert broken_by_some_mutation - set(CONTRACT_NAMES) == set()
    assert len(set(CONTRACT_NAMES)) == len(CONTRACT_NAMES), "contract names must be unique"


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_violating_module_breaks_exactly_the_contracts_that_forbid_it(
    tmp_path: Path, mutation: str
) -> None:
    files, expected = MUTATIONS[mutation]
    _copy_project(tmp_path)
    for relative, source in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source, encoding="utf-8")

    result = _lint_copy(tmp_path)

    assert result.returncode == 1, _output(result)
    broken = {name for name in CONTRACT_NAMES if f"{name} BROKEN" in result.stdout}
    assert broken == set(expected), _output(result)
    assert f"{len(expected)} broken" in result.stdout, _output(result)
    for name, offending_import in expected.items():
        # "(line 1)" from the allow-lists, "(l.1)" from import-linter's own contracts.
        named_with_line = re.escape(offending_import) + r" \((line |l\.)\d+\)"
        assert re.search(named_with_line, _broken_report(result.stdout, name)), _output(result)


def test_the_copy_keeps_every_contract_once_the_violation_is_removed(tmp_path: Path) -> None:
    """The mutations above break contracts because of the injected module, not the copy.

    Standard-library imports (including typeshed's _typeshed under TYPE_CHECKING) stay
    allowed in kiosk.core.
    """
    _copy_project(tmp_path)
    fine = (
        "from __future__ import annotations\n\nimport os.path\nimport threading\n"
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    import collections.abc\n\n    from _typeshed import ReadableBuffer\n"
    )
    (tmp_path / "kiosk" / "core" / "fine.py").write_text(fine, encoding="utf-8")
    bad = tmp_path / "kiosk" / "core" / "bad.py"
    bad.write_text("import babel\n", encoding="utf-8")

    result = _lint_copy(tmp_path)
    assert result.returncode == 1, _output(result)
    assert f"{CORE} BROKEN" in result.stdout, _output(result)
    assert "1 broken" in result.stdout, _output(result)
    assert "kiosk.core.fine" not in result.stdout, _output(result)

    bad.unlink()
    result = _lint_copy(tmp_path)
    assert result.returncode == 0, _output(result)
    assert "0 broken" in result.stdout, _output(result)


def test_a_missing_source_module_is_an_error_not_a_kept_contract(tmp_path: Path) -> None:
    """A misspelt (non-optional) source module must not make an allow-list vacuous."""
    _copy_project(tmp_path)
    config = tmp_path / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    assert text.count('source_modules = ["kiosk.core"]') == 1
    config.write_text(
        text.replace('source_modules = ["kiosk.core"]', 'source_modules = ["kiosk.kore"]'),
        encoding="utf-8",
    )

    result = _lint_copy(tmp_path)

    assert result.returncode == 1, _output(result)
    assert "Module 'kiosk.kore' does not exist." in result.stdout + result.stderr, _output(result)
