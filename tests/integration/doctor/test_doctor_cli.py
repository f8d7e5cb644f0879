"""`kiosk doctor` as a technician runs it: a real subprocess, a config file, a data folder.

GIVEN the simulators (sim://scanner, sim://printer, the demo library over SIP2, a
simulated sound card), WHEN the doctor runs, THEN every line is PASS and it exits 0; with
one part missing or broken (a scanner that is not there, a device this user may not open,
a library system that is down or refuses the login, a store at another schema, a printer
out of paper, no sound device) THEN that part's line is FAIL, names it and says what to
do, the other lines still PASS, and the exit code is 1.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from accessibility.speech.sim import SimulatedCard
from devices.sim.escpos_decoder import Paper
from devices.sim.printer import PrinterSimulator
from devices.sim.scanner import PtyScannerSimulator
from kiosk.ils.local import LocalIls
from kiosk.ils.sip2.server import start_demo_server
from kiosk.storage.db import open_store

SPEECH_OFF = "[speech]\nenabled = false\n"


class Report:
    """A finished doctor run: its lines by the part they name."""

    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        self.code = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.lines: dict[str, str] = {}
        for text in result.stdout.splitlines():
            status, _, rest = text.partition("  ")
            if status in ("PASS", "FAIL"):
                self.lines[rest.split(":", 1)[0]] = text

    def line(self, what: str) -> str:
        assert what in self.lines, self.stdout
        return self.lines[what]

    def failing(self) -> list[str]:
        return [what for what, text in self.lines.items() if text.startswith("FAIL")]


def run_doctor(
    tmp_path: Path,
    config: str,
    *,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    args: Sequence[str] = (),
) -> Report:
    path = tmp_path / "kiosk.toml"
    path.write_text(config, encoding="utf-8")
    path.chmod(0o600)
    environment = dict(env if env is not None else os.environ)
    environment.pop("KIOSK_CONFIG", None)
    environment.pop("KIOSK_DATA_DIR", None)
    command = [*prefix, sys.executable, "-m", "kiosk", "doctor", "--config", str(path),
               "--data-dir", str(tmp_path / "data"), *args]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=120,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert "Traceback" not in result.stdout + result.stderr
    return Report(result)


@pytest.fixture
def card() -> Iterator[SimulatedCard]:
    sim = SimulatedCard(paced=False)
    yield sim
    sim.close()


def test_against_the_simulators_every_check_passes(tmp_path: Path, card: SimulatedCard) -> None:
    """Acceptance 3: the demo config's devices and library, and the simulated sound card."""
    report = run_doctor(tmp_path, f'[speech]\ndevice = "{card.device}"\n', env=card.env)

    assert report.code == 0, report.stdout
    assert report.failing() == []
    assert list(report.lines) == [
        "config", "serial ports", "scanner", "printer", "library system", "speech voices",
        "sound device", "data folder", "local store", "free disk",
    ]  # fmt: skip
    assert "sim://scanner opened" in report.line("scanner")
    assert "paper ok" in report.line("printer")
    assert "status on-line" in report.line("library system")
    assert "poz/id (Indonesian), gmw/en (English)" in report.line("speech voices")
    assert report.stdout.rstrip().endswith("All 10 checks passed.")
    # The doctor leaves nothing in the data folder: the kiosk's user makes its own files.
    assert not (tmp_path / "data").exists()


def test_a_missing_scanner_is_named_with_what_to_check(tmp_path: Path) -> None:
    """Acceptance 3: one device missing."""
    report = run_doctor(tmp_path, SPEECH_OFF + '[scanner]\nurl = "/dev/ttyUSB9"\n')

    assert report.code == 1
    assert report.failing() == ["scanner"]
    line = report.line("scanner")
    assert line.startswith("FAIL  scanner: /dev/ttyUSB9 does not exist; ")
    assert "plugged in" in line and "[scanner] url" in line
    assert report.stdout.rstrip().endswith("1 of 9 checks failed: see the FAIL lines above.")


def test_a_scanner_on_a_serial_port_is_opened_with_its_speed(tmp_path: Path) -> None:
    with PtyScannerSimulator() as scanner:
        report = run_doctor(
            tmp_path, SPEECH_OFF + f'[scanner]\nurl = "{scanner.port_path}"\nbaudrate = 19200\n'
        )
    assert report.line("scanner") == (
        f"PASS  scanner: {scanner.port_path} opened at 19200 baud (nothing waiting)"
    )


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_scanner_url_that_is_no_device_says_what_it_is(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "not-a-device"
    if kind == "file":
        target.write_text("x")
    else:
        target.mkdir()
    report = run_doctor(tmp_path, SPEECH_OFF + f'[scanner]\nurl = "{target}"\n')
    assert report.code == 1
    assert report.line("scanner").startswith(
        f"FAIL  scanner: {target} is a {'regular file' if kind == 'file' else 'folder'}, "
        "not a serial device; set [scanner] url"
    )


def _without_dac_override() -> list[str]:
    """As root, a prefix that drops the capabilities that let root open any file."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv cannot be refused a file")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_a_device_no_one_may_open_says_to_fix_its_mode(tmp_path: Path) -> None:
    prefix = _without_dac_override()
    with PtyScannerSimulator() as scanner:
        os.chmod(os.path.realpath(scanner.port_path), 0o000)
        report = run_doctor(
            tmp_path, SPEECH_OFF + f'[scanner]\nurl = "{scanner.port_path}"\n', prefix=prefix
        )
    assert report.code == 1
    line = report.line("scanner")
    assert line.startswith(f"FAIL  scanner: {scanner.port_path}: permission denied for user ")
    assert "(mode 000," in line
    assert 'GROUP="dialout", MODE="0660" with a udev rule (deploy/udev/README.md)' in line


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a device to another group needs root")
def test_a_device_of_a_group_the_user_is_not_in_says_the_usermod_command(tmp_path: Path) -> None:
    prefix = _without_dac_override()
    import grp

    dialout = grp.getgrnam("dialout").gr_gid
    with PtyScannerSimulator() as scanner:
        device = os.path.realpath(scanner.port_path)
        os.chown(device, 65534, dialout)  # another user's device, group dialout, 0660
        os.chmod(device, 0o660)
        report = run_doctor(
            tmp_path, SPEECH_OFF + f'[scanner]\nurl = "{scanner.port_path}"\n', prefix=prefix
        )
    assert report.code == 1
    assert report.line("scanner").endswith(
        "(mode 660, group dialout); run `sudo usermod -aG dialout root`, then log out and in again"
    )
    assert report.line("serial ports").startswith("FAIL")
    assert "sudo usermod -aG dialout root" in report.line("serial ports")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_library_system_that_is_down_is_named_with_its_address(tmp_path: Path) -> None:
    port = _closed_port()
    config = SPEECH_OFF + f'[ils]\nbackend = "sip2"\n[sip2]\nhost = "127.0.0.1"\nport = {port}\n'
    report = run_doctor(tmp_path, config)
    assert report.code == 1
    assert report.failing() == ["library system"]
    line = report.line("library system")
    assert line.startswith(f"FAIL  library system: SIP2 127.0.0.1:{port}: ")
    assert "cannot be reached" in line and "check [sip2] host and port" in line


def test_a_library_system_that_never_answers_does_not_hang_the_doctor(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        config = (
            SPEECH_OFF + '[ils]\nbackend = "sip2"\n'
            f'[sip2]\nhost = "127.0.0.1"\nport = {port}\ntimeout = 60\n'
        )
        report = run_doctor(tmp_path, config, args=["--timeout", "1"])
    assert report.code == 1
    assert report.line("library system").startswith(f"FAIL  library system: SIP2 127.0.0.1:{port}")


def test_the_login_is_checked_and_the_password_never_shown(tmp_path: Path) -> None:
    library = LocalIls.open(tmp_path / "library.sqlite3")
    server = start_demo_server(library, user="kiosk", password="s3cret-Right")
    try:
        base = (
            SPEECH_OFF + '[ils]\nbackend = "sip2"\n'
            f'[sip2]\nhost = "127.0.0.1"\nport = {server.port}\nuser = "kiosk"\n'
        )
        good = run_doctor(tmp_path, base + 'password = "s3cret-Right"\n')
        wrong = run_doctor(tmp_path, base + 'password = "s3cret-Wrong"\n')
    finally:
        server.stop()
        library.close()
    assert good.code == 0, good.stdout
    assert good.line("library system").startswith(
        f"PASS  library system: SIP2 127.0.0.1:{server.port}: logged in as kiosk; status on-line"
    )
    assert wrong.code == 1
    assert "refused the login of user 'kiosk'" in wrong.line("library system")
    for report in (good, wrong):
        assert "s3cret" not in report.stdout + report.stderr


def _store(tmp_path: Path, revision: str | None = None, mode: int = 0o600) -> Path:
    path = tmp_path / "data" / "kiosk.sqlite3"
    open_store(path).dispose()
    if revision is not None:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    path.chmod(mode)
    return path


def test_a_store_at_the_newest_schema_passes(tmp_path: Path) -> None:
    path = _store(tmp_path)
    report = run_doctor(tmp_path, SPEECH_OFF)
    assert report.line("local store") == (
        f"PASS  local store: {path} at schema 0009 (this kiosk's newest), mode 600"
    )


def test_a_store_at_an_older_schema_says_to_start_the_kiosk_once(tmp_path: Path) -> None:
    path = _store(tmp_path, "0005")
    report = run_doctor(tmp_path, SPEECH_OFF)
    assert report.code == 1
    assert report.failing() == ["local store"]
    assert report.line("local store").startswith(
        f"FAIL  local store: {path} is at schema 0005, older than this kiosk's 0009; "
        "start the kiosk once"
    )
    with sqlite3.connect(path) as db:  # the doctor only read it
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)


def test_a_store_from_a_newer_kiosk_says_to_install_it(tmp_path: Path) -> None:
    path = _store(tmp_path, "0042")
    report = run_doctor(tmp_path, SPEECH_OFF)
    assert report.code == 1
    assert report.line("local store").startswith(
        f"FAIL  local store: {path} is at schema 0042, which this kiosk (0009) does not know"
    )


def test_a_store_others_may_read_says_chmod(tmp_path: Path) -> None:
    path = _store(tmp_path, mode=0o644)
    report = run_doctor(tmp_path, SPEECH_OFF)
    assert report.code == 1
    assert report.line("local store").endswith(f"run `chmod 600 {path}`")


def test_a_printer_out_of_paper_says_load_a_roll(tmp_path: Path) -> None:
    with PrinterSimulator(tcp=True, pty=False) as printer:
        printer.set_paper(Paper.OUT)
        url = printer.url
        report = run_doctor(tmp_path, SPEECH_OFF + f'[printer]\nurl = "{url}"\n')
        assert printer.receipts == []  # asking the sensor prints nothing
    assert report.code == 1
    assert report.failing() == ["printer"]
    line = report.line("printer")
    assert line.startswith(f"FAIL  printer: {url}: out of paper")
    assert line.endswith("load a new roll")


def test_a_printer_on_a_serial_port_is_asked_its_paper(tmp_path: Path) -> None:
    with PrinterSimulator(tcp=False, pty=True) as printer:
        path = printer.port_path
        report = run_doctor(tmp_path, SPEECH_OFF + f'[printer]\nurl = "{path}"\n')
    assert report.line("printer") == f"PASS  printer: {path}: ready, paper ok"


def test_no_sound_device_says_what_to_do(tmp_path: Path) -> None:
    report = run_doctor(tmp_path, '[speech]\ndevice = "nosuchcard"\n')
    assert report.code == 1
    assert "sound device" in report.failing()
    line = report.line("sound device")
    assert line.startswith("FAIL  sound device: cannot play on 'nosuchcard' (aplay: ")
    assert line.endswith("set [speech] device to a name `aplay -L` lists")


def test_an_unusable_config_exits_2_with_its_one_line(tmp_path: Path) -> None:
    report = run_doctor(tmp_path, '[scanner]\nbaudrate = "fast"\n')
    assert report.code == 2
    assert report.stdout == ""
    assert report.stderr.startswith("kiosk: config error: ")
    assert len(report.stderr.splitlines()) == 1


def test_a_device_that_is_no_serial_port_says_so(tmp_path: Path) -> None:
    report = run_doctor(tmp_path, SPEECH_OFF + '[printer]\nurl = "/dev/zero"\n')
    assert report.code == 1
    assert report.line("printer") == (
        "FAIL  printer: /dev/zero is a character device but not a serial port (no terminal); "
        f"set [printer] url to the printer's serial device (serial devices here: {_listing()})"
    )


def _listing() -> str:
    from kiosk.doctor.ports import listing

    return listing()


def test_a_network_scanner_that_is_not_there_names_its_address(tmp_path: Path) -> None:
    port = _closed_port()
    report = run_doctor(tmp_path, SPEECH_OFF + f'[scanner]\nurl = "socket://127.0.0.1:{port}"\n')
    assert report.code == 1
    line = report.line("scanner")
    assert line.startswith(f"FAIL  scanner: cannot open socket://127.0.0.1:{port} (")
    assert line.endswith("check that the scanner (or its simulator) listens at that address, "
                         "and [scanner] url")  # fmt: skip


def test_a_missing_voice_is_named(tmp_path: Path, card: SimulatedCard) -> None:
    """espeak-ng speaks Indonesian with another voice when poz/id is missing: said here."""
    installed = [*Path("/usr/lib").glob("*/espeak-ng-data"), Path("/usr/share/espeak-ng-data")]
    data = next((path for path in installed if (path / "lang" / "poz" / "id").is_file()), None)
    if data is None:
        pytest.skip("espeak-ng-data with lang/poz/id not found")
    copy = tmp_path / "espeak" / "espeak-ng-data"
    shutil.copytree(data, copy)
    (copy / "lang" / "poz" / "id").unlink()
    env = {**card.env, "ESPEAK_DATA_PATH": str(copy.parent)}
    report = run_doctor(tmp_path, f'[speech]\ndevice = "{card.device}"\n', env=env)
    assert report.code == 1
    assert report.failing() == ["speech voices"]
    assert report.line("speech voices").startswith(
        "FAIL  speech voices: espeak-ng (through pyttsx3) has no voice poz/id (Indonesian); "
        "install the espeak-ng-data package"
    )


def test_a_data_folder_the_user_may_not_write_says_chown(tmp_path: Path) -> None:
    prefix = _without_dac_override()
    data = tmp_path / "data"
    data.mkdir()
    if os.geteuid() == 0:
        os.chown(data, 65534, 65534)  # another user's folder
        data.chmod(0o700)
    else:
        data.chmod(0o500)
    report = run_doctor(tmp_path, SPEECH_OFF, prefix=prefix)
    assert report.code == 1
    line = report.line("data folder")
    assert line.startswith(f"FAIL  data folder: {data} is not writable by user ")
    assert "run `sudo chown -R " in line


def test_a_data_folder_that_is_a_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    report = run_doctor(tmp_path, SPEECH_OFF)
    assert report.code == 1
    assert report.line("data folder").startswith(
        f"FAIL  data folder: {tmp_path / 'data'} is a file, not a folder; choose another folder"
    )


def test_each_visitor_counter_is_read_with_its_own_driver(tmp_path: Path) -> None:
    """Acceptance 3 for counters: a polled line counter and a Modbus counter answer with
    their totals; a silent one and a missing one are FAIL lines naming the counter."""
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.links import TcpLink
    from devices.sim.modbus_counter import ModbusCounterSimulator

    with (
        LineCounterSimulator(TcpLink, mode="poll", counter_id="gate1") as line,
        LineCounterSimulator(TcpLink, mode="poll", counter_id="gate2") as silent,
        ModbusCounterSimulator() as modbus,
    ):
        line.cross("in", 4)
        line.cross("out", 1)
        modbus.cross_in(7)
        silent.silent = True
        config = SPEECH_OFF + (
            f'[counters.gate1]\nurl = "{line.url}"\nmode = "poll"\naddress = "gate1"\n'
            f'[counters.main]\nurl = "{modbus.kiosk_path}"\nprotocol = "modbus"\n'
            f'[counters.gate2]\nurl = "{silent.url}"\nmode = "poll"\naddress = "gate2"\n'
            '[counters.side]\nurl = "/dev/kiosk-counter-not-here"\n'
        )
        report = run_doctor(tmp_path, config, args=["--timeout", "3"])

    assert report.code == 1
    assert report.failing() == ["counter gate2", "counter side"]
    assert report.line("counter gate1") == (
        f"PASS  counter gate1: {line.url} (line) answered: IN 4, OUT 1 (the device's totals)"
    )
    assert report.line("counter main") == (
        f"PASS  counter main: {modbus.kiosk_path} (modbus) answered: IN 7, OUT 0 "
        "(the device's totals)"
    )
    assert report.line("counter gate2").startswith(
        f"FAIL  counter gate2: {silent.url} (line) opened but did not answer within 3 s; "
    )
    side = report.line("counter side")
    assert side.startswith("FAIL  counter side: /dev/kiosk-counter-not-here does not exist; ")
    assert "[counters.side] url" in side


def test_a_counter_sending_a_bad_checksum_says_what_to_check_once(tmp_path: Path) -> None:
    """The driver's fault line carries its own advice; the doctor does not repeat it."""
    from devices.sim.counter import LineCounterSimulator
    from devices.sim.links import TcpLink

    with LineCounterSimulator(TcpLink, mode="poll", counter_id="gate1") as counter:
        counter.cross("in", 2)
        counter.badsum_next()
        config = SPEECH_OFF + (
            f'[counters.gate1]\nurl = "{counter.url}"\nmode = "poll"\naddress = "gate1"\n'
        )
        report = run_doctor(tmp_path, config, args=["--timeout", "3"])

    line = report.line("counter gate1")
    assert line.startswith(
        f"FAIL  counter gate1: {counter.url} (line) answered IN 2, OUT 0 but also sent "
        "garbled frames: bad CRC"
    ), line
    assert line.endswith("; check the cable, the baud rate and the counter's protocol settings")
    assert line.count("baud rate") == 1, line
