"""deploy/systemd/kiosk-gate.service: systemd accepts it, and it has the keys the gate needs."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "systemd" / "kiosk-gate.service"
INSTALLED = "/opt/library-kiosk/venv/bin/kiosk"


def _service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser["Service"]


def test_the_unit_runs_kiosk_gate_as_the_kiosk_user_with_hardening() -> None:
    service = _service()
    assert service["ExecStart"].split()[:2] == [INSTALLED, "gate"]
    assert service["User"] == "kiosk"
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # a bad config is not retried
    assert service["KillSignal"] == "SIGTERM"
    assert 5 <= int(service["TimeoutStopSec"]) <= 90
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    # dialout: the serial counters and scanner; audio: the greeting through ALSA (/dev/snd).
    assert {"dialout", "audio"} <= set(service["SupplementaryGroups"].split())
    # With ProtectSystem=strict only these are writable: the store must be one of them.
    state = f"/var/lib/{service['StateDirectory']}"
    assert state in service["ReadWritePaths"].split()
    assert service["UMask"] == "0077"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    # verify insists the ExecStart binary exists: point it at this checkout's kiosk script.
    here = Path(sys.executable).parent / "kiosk"
    assert here.exists()
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(here)), "utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr.strip()) == (0, "")


def test_the_readme_runs_doctor_as_the_unit_does_and_quotes_real_fault_lines() -> None:
    readme = " ".join((UNIT.parent / "README.md").read_text(encoding="utf-8").split())
    # `kiosk` is not on the kiosk user's PATH: the README uses the unit's own program.
    assert f"sudo -u kiosk {INSTALLED} doctor --config /etc/library-kiosk/kiosk.toml" in readme
    assert "sudo -u kiosk kiosk " not in readme
    # The form GateWriter logs (kiosk/gate/wiring.py labels a counter so).
    assert "`counter gate1 (/dev/kiosk-counter): device lost: ...`" in readme
