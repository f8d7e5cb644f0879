"""The layering contracts (import-linter) and the lint/format gate hold for the whole repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


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


def _ini_value(value: object) -> str:
    if isinstance(value, list):
        return "".join(f"\n    {item}" for item in value)
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _importlinter_ini() -> str:
    """The project's [tool.importlinter] section, rewritten in the INI form lint-imports reads."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]
    lines = ["[importlinter]"]
    contracts = settings.pop("contracts")
    lines += [f"{key} = {_ini_value(value)}" for key, value in settings.items()]
    for number, contract in enumerate(contracts, start=1):
        lines += ["", f"[importlinter:contract:{number}]"]
        lines += [f"{key} = {_ini_value(value)}" for key, value in contract.items()]
    return "\n".join(lines) + "\n"


def test_a_core_module_importing_sqlalchemy_breaks_the_contract(tmp_path: Path) -> None:
    """The contract is not vacuous: the same configuration catches a forbidden import."""
    for package in ("kiosk", "devices", "accessibility"):
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / "kiosk" / "core" / "bad.py").write_text("import sqlalchemy\n", encoding="utf-8")
    config = tmp_path / ".importlinter"
    config.write_text(_importlinter_ini(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    result = _run([BIN / "lint-imports", "--no-cache", "--config", config], tmp_path, env)

    assert result.returncode == 1, _output(result)
    assert "kiosk.core imports only the standard library BROKEN" in result.stdout, _output(result)
    assert "kiosk.core.bad -> sqlalchemy" in result.stdout, _output(result)
    assert "1 broken" in result.stdout, _output(result)

    (tmp_path / "kiosk" / "core" / "bad.py").unlink()
    result = _run([BIN / "lint-imports", "--no-cache", "--config", config], tmp_path, env)
    assert result.returncode == 0, _output(result)
    assert "0 broken" in result.stdout, _output(result)
