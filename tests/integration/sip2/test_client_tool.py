"""``kiosk sip2-client`` as a technician runs it: a real process against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from integration.sip2.servers import ServerHandle

from kiosk.ils.local import demo_data as demo


def write_config(path: Path, server: ServerHandle, mode: int = 0o600) -> Path:
    path.write_text(
        '[ils]\nbackend = "sip2"\n\n[sip2]\n'
        f'host = "{server.host}"\nport = {server.port}\nuser = "kiosk"\n'
        f'password = "kiosk-demo"\ninstitution = "{demo.INSTITUTION}"\nkeepalive = 0\n',
        encoding="utf-8",
    )
    path.chmod(mode)
    return path


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "sip2-client", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_transcript_of_a_checkout_masks_pin_and_password(
    sip2_server: ServerHandle, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "kiosk.toml", sip2_server)
    card, item = demo.SUTRISNO.barcode, demo.AVAILABLE.barcode
    done = run_tool("--config", str(config), "--patron", card, "--pin", demo.SUTRISNO.pin,
                    "--item", item, "--checkout")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(">>> 9300CNkiosk|CO****|")
    assert any(line.startswith(">>> 63") and "AD****" in line for line in lines)
    assert any(line.startswith("<<< 121") for line in lines)
    assert any(line.startswith("= check-out: lent, due ") for line in lines)
    everything = done.stdout + done.stderr
    assert "kiosk-demo" not in everything
    assert f"AD{demo.SUTRISNO.pin}" not in everything
    # Outside the screen: the card's last 4 digits only, the name not at all.
    assert card not in everything and card[-4:] in everything
    assert demo.SUTRISNO.name not in everything


def test_one_line_errors(sip2_server: ServerHandle, tmp_path: Path) -> None:
    readable = write_config(tmp_path / "open.toml", sip2_server, mode=0o644)
    refused = run_tool("--config", str(readable))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "chmod 600" in refused.stderr
    assert "Traceback" not in refused.stderr
    config = write_config(tmp_path / "kiosk.toml", sip2_server)
    sip2_server.kill()
    down = run_tool("--config", str(config))
    assert down.returncode == 1
    assert down.stderr.count("\n") == 1 and "cannot be reached" in down.stderr
