"""An installed (non-editable) kiosk must carry every data file it reads at run time."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _package_data() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["tool"]["setuptools"]["package-data"]


def _matches(path: str, pattern: str) -> bool:
    """Setuptools' package-data glob: ``*`` stays within one folder."""
    regex = "".join("[^/]*" if char == "*" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, path) is not None


def test_every_data_file_in_the_packages_is_declared_as_package_data() -> None:
    """Screens (.kv), catalogues and migrations are shipped, or the wheel starts blank."""
    tracked = subprocess.run(
        ["git", "ls-files", "kiosk", "devices", "accessibility"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    data_files = [path for path in tracked if not path.endswith(".py")]
    assert any(path.endswith(".kv") for path in data_files)
    declared = _package_data()
    missing = []
    for path in data_files:
        shipped = False
        for package, patterns in declared.items():
            prefix = package.replace(".", "/") + "/"
            if path.startswith(prefix):
                inner = path[len(prefix) :]
                shipped = shipped or any(_matches(inner, pattern) for pattern in patterns)
        if not shipped:
            missing.append(path)
    assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"
