"""The TOML configuration: defaults, the documented example, and one-line errors for bad files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk import __version__, config
from kiosk.core import visits

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "deploy" / "kiosk.example.toml"


@pytest.fixture(autouse=True)
def _no_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.CONFIG_ENV, raising=False)


def _write(tmp_path: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults and the documented example ---------------------------------------------


def test_no_file_gives_the_demo_defaults() -> None:
    cfg = config.load()
    assert cfg.source is None
    assert cfg.kiosk.id == "demo-kiosk-1"
    assert cfg.kiosk.language == "id"
    assert cfg.kiosk.text_size == "100"
    assert cfg.kiosk.theme == "default"
    assert cfg.kiosk.timezone == "Asia/Jakarta"
    assert cfg.display.fullscreen is False
    assert (cfg.display.width, cfg.display.height) == (1280, 800)
    assert cfg.session.idle_timeout == 60.0
    assert cfg.session.warning == 20.0
    assert cfg.ils.backend == "demo"  # the demo library over SIP2, in-process
    assert cfg.scanner.url == "sim://scanner"
    assert cfg.scanner.terminator_bytes == b"\r"
    assert cfg.scanner.check_digits is True
    assert (cfg.security.pin_failures, cfg.security.pin_window) == (5, 900.0)
    assert (cfg.printer.url, cfg.printer.receipt) == ("sim://printer", "printed")
    assert cfg == config.defaults()


def _setting(cfg: config.Config, section: str, key: str) -> object:
    """The value a key set, where the settings object is built from it: [guestbook] is a
    GuestBookPolicy, whose lists are by list name and whose asked lists are a set."""
    if section != "guestbook":
        return getattr(getattr(cfg, section), key)
    policy = cfg.guestbook
    if key == "ask":
        return [name for name in visits.ASKABLE if name in policy.asked]
    lists = {config._CODE_LIST_KEYS[name]: name for name in visits.LISTS}
    return policy.lists[lists[key]] if key in lists else getattr(policy, key)


def test_defaults_match_schema() -> None:
    cfg = config.defaults()
    for section, keys in config.schema().items():
        for key, default in keys.items():
            value = _setting(cfg, section, key)
            value = list(value) if isinstance(value, tuple) else value  # arrays are kept as tuples
            assert value == default, f"[{section}] {key}"


def test_kiosk_config_env_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, '[kiosk]\nid = "branch-7"\nlanguage = "en"\n')
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    cfg = config.load()
    assert cfg.kiosk.id == "branch-7"
    assert cfg.kiosk.language == "en"
    assert cfg.source == path


def test_explicit_path_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = _write(tmp_path, '[kiosk]\nid = "from-env"\n', "env.toml")
    cli_file = _write(tmp_path, '[kiosk]\nid = "from-cli"\n', "cli.toml")
    monkeypatch.setenv(config.CONFIG_ENV, str(env_file))
    assert config.load(cli_file).kiosk.id == "from-cli"


def test_values_from_file_are_used(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "[display]\nfullscreen = true\nwidth = 1920\n"
        '[session]\nidle_timeout = 90.5\nwarning = 20\n[scanner]\nterminator = "CRLF"\n',
    )
    cfg = config.load(path)
    assert cfg.display.fullscreen is True
    assert cfg.display.width == 1920
    assert cfg.display.height == 800
    assert cfg.session.idle_timeout == 90.5
    assert cfg.session.warning == 20.0
    assert cfg.scanner.terminator_bytes == b"\r\n"


def test_example_file_parses_and_equals_the_defaults() -> None:
    cfg = config.load(EXAMPLE)
    assert cfg.source == EXAMPLE
    defaults = config.defaults()
    for section in config.schema():
        assert getattr(cfg, section) == getattr(defaults, section), section


def test_example_file_lists_exactly_the_schema_keys() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    schema = config.schema()
    assert set(data) == set(schema)
    for section, keys in schema.items():
        assert set(data[section]) == set(keys), f"[{section}]"
        for key, default in keys.items():
            assert data[section][key] == default, f"[{section}] {key}"


def _example_counter_table() -> dict[str, object]:
    """The commented-out [counters.gate1] example, uncommented and parsed."""
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = [
        line[1:] for line in text.splitlines() if re.match(r"#(\[counters\.|[a-z_]+ = )", line)
    ]
    return tomllib.loads("\n".join(lines))["counters"]["gate1"]  # type: ignore[no-any-return]


def test_example_counter_table_lists_exactly_the_counter_keys_and_parses() -> None:
    table = _example_counter_table()
    assert set(table) == set(config.counter_schema())
    for key, default in config.counter_schema().items():
        if default is not None:
            assert table[key] == default, f"[counters.gate1] {key}"
    cfg = config.from_mapping({"counters": {"gate1": table}}, source=None)
    assert cfg.counters["gate1"].url == "/dev/kiosk-counter"
    assert config.defaults().counters == {}


def test_counter_tables_become_settings_with_protocol_defaults() -> None:
    cfg = config.from_mapping(
        {"counters": {
            "gate1": {"url": "socket://127.0.0.1:7001", "mode": "poll", "bits": 16},
            "door": {"url": "rfc2217://10.0.0.5:4001", "protocol": "beams", "beam_b": "dsr"},
        }},
        source=None,
    )  # fmt: skip
    gate, door = cfg.counters["gate1"], cfg.counters["door"]
    assert (gate.device_id, gate.mode, gate.bits, gate.interval) == ("gate1", "poll", 16, 1.0)
    assert (door.protocol, door.beam_a, door.beam_b, door.interval) == (
        "beams",
        "cts",
        "dsr",
        0.005,
    )


@pytest.mark.parametrize(
    ("counters", "message"),
    [
        (
            {"gate1": {"url": "/dev/x", "speed": 1}},
            "unknown key [counters.gate1] speed; allowed keys: url,",
        ),
        ({"gate1": {"protocol": "line"}}, "[counters.gate1] url: the counter's device path or URL"),
        (
            {"gate1": {"url": "/dev/x", "bits": 20}},
            "[counters.gate1] bits: expected one of 16, 32, got 20",
        ),
        (
            {"gate1": {"url": "/dev/x", "mode": "pull"}},
            "[counters.gate1] mode: expected one of push, poll",
        ),
        (
            {"gate1": {"url": "/dev/x", "baudrate": "fast"}},
            "[counters.gate1] baudrate: expected an integer",
        ),
        ({"gate 1": {"url": "/dev/x"}}, "[counters.gate 1]: name a counter with 1 to 64 letters"),
        ({"gate1": 5}, "counters.gate1 must be a [counters.gate1] table"),
        (
            {"door": {"url": "/dev/x", "protocol": "beams", "beam_a": "dsr", "beam_b": "dsr"}},
            "[counters.door] beam_b: must be another line than beam_a (dsr)",
        ),
    ],
)
def test_bad_counter_tables_are_one_line_naming_the_table(
    counters: dict[str, object], message: str
) -> None:
    with pytest.raises(config.ConfigError) as error:
        config.from_mapping({"counters": counters}, source=None)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


# --- bad files -------------------------------------------------------------------------

BAD_FILES = [
    pytest.param(
        "[printers]\nport = 1\n",
        ["unknown section [printers]", "sections: kiosk display", " scanner ", " printer "],
        id="unknown-section",
    ),
    pytest.param(
        '[kiosk]\nlangauge = "en"\n',
        [
            "[kiosk] langauge",
            "allowed keys: id, library_name, language, text_size, theme, timezone, data_dir",
        ],
        id="unknown-key",
    ),
    pytest.param('kiosk = "x"\n', ["[kiosk]", "table"], id="section-not-a-table"),
    pytest.param("[kiosk]\nid = 7\n", ["[kiosk] id", "a string", "integer 7"], id="str-got-int"),
    pytest.param(
        '[display]\nwidth = "1280"\n',
        ["[display] width", "an integer", "string '1280'"],
        id="int-got-str",
    ),
    pytest.param(
        "[display]\nwidth = true\n",
        ["[display] width", "an integer", "boolean True"],
        id="int-got-true",
    ),
    pytest.param(
        "[scanner]\nbaudrate = 9600.0\n",
        ["[scanner] baudrate", "an integer", "number 9600.0"],
        id="int-got-float",
    ),
    pytest.param(
        '[display]\nfullscreen = "yes"\n',
        ["[display] fullscreen", "true or false", "string 'yes'"],
        id="bool-got-str",
    ),
    pytest.param(
        "[scanner]\ncheck_digits = 1\n",
        ["[scanner] check_digits", "true or false", "integer 1"],
        id="bool-got-int",
    ),
    pytest.param(
        '[session]\nidle_timeout = "60"\n',
        ["[session] idle_timeout", "an integer or a number", "string '60'"],
        id="float-got-str",
    ),
    pytest.param(
        "[session]\nidle_timeout = true\n",
        ["[session] idle_timeout", "boolean True"],
        id="float-got-true",
    ),
    pytest.param(
        "[session]\nidle_timeout = [60]\n",
        ["[session] idle_timeout", "array"],
        id="float-got-array",
    ),
    pytest.param(
        "[display]\nwidth = 100\n",
        ["[display] width", "at least 640", "got 100"],
        id="below-minimum",
    ),
    pytest.param(
        "[scanner]\nmax_length = 5000\n",
        ["[scanner] max_length", "at most 1024", "got 5000"],
        id="above-maximum",
    ),
    pytest.param(
        "[session]\nidle_timeout = 29.5\n",
        ["[session] idle_timeout", "at least 30", "got 29.5"],
        id="float-below-minimum",
    ),
    pytest.param(
        "[session]\nwarning = 15\n",
        ["[session] warning", "at least 20", "got 15"],
        id="warning-countdown-too-short",
    ),
    pytest.param(
        "[session]\nidle_timeout = nan\n",
        ["[session] idle_timeout", "finite number", "got nan"],
        id="nan-is-not-a-number-of-seconds",
    ),
    pytest.param(
        "[session]\nsummary_timeout = -nan\n",
        ["[session] summary_timeout", "finite number", "got nan"],
        id="negative-nan",
    ),
    pytest.param(
        "[ils]\ndeadline = inf\n",
        ["[ils] deadline", "finite number", "got inf"],
        id="infinity",
    ),
    pytest.param(
        '[kiosk]\nlanguage = "fr"\n',
        ["[kiosk] language", "one of id, en", "'fr'"],
        id="not-in-choices",
    ),
    pytest.param(
        '[scanner]\nterminator = "cr"\n',
        ["[scanner] terminator", "one of CR, LF, CRLF", "'cr'"],
        id="choices-are-case-sensitive",
    ),
    pytest.param(
        '[kiosk]\ntimezone = "Asia/Atlantis"\n',
        ["[kiosk] timezone", "unknown time zone", "Asia/Atlantis"],
        id="unknown-timezone",
    ),
    pytest.param(
        "[session]\nidle_timeout = 30\nwarning = 30\n",
        ["[session] warning", "shorter than idle_timeout"],
        id="warning-equals-idle",
    ),
    pytest.param(
        "[session]\nidle_timeout = 30\nwarning = 40\n",
        ["[session] warning", "shorter than idle_timeout"],
        id="warning-above-idle",
    ),
    pytest.param(
        "[security]\npin_window = nan\n",
        ["[security] pin_window", "finite number", "got nan"],
        id="pin-window-nan",
    ),
    pytest.param(
        "[security]\npin_window = 30\n",
        ["[security] pin_window", "at least 60", "got 30"],
        id="pin-window-too-short",
    ),
    pytest.param(
        "[security]\npin_failures = 0\n",
        ["[security] pin_failures", "at least 1", "got 0"],
        id="pin-failures-zero",
    ),
    pytest.param(
        "[security]\npin_failures = 5.0\n",
        ["[security] pin_failures", "an integer", "number 5.0"],
        id="pin-failures-not-integer",
    ),
    pytest.param(
        '[printer]\nreceipt = "yes"\n',
        ["[printer] receipt", "one of printed, none", "'yes'"],
        id="printer-receipt-choice",
    ),
    pytest.param(
        '[printer]\nurl = "socket://192.168.1.50"\n',
        ["[printer] url", "socket://host:port", "9100", "'socket://192.168.1.50'"],
        id="printer-socket-without-port",
    ),
    pytest.param(
        '[printer]\nurl = "socket://printer:99999"\n',
        ["[printer] url", "socket://host:port"],
        id="printer-socket-port-out-of-range",
    ),
    pytest.param(
        '[printer]\nurl = "sim://scanner"\n',
        ["[printer] url", "sim://printer or sim://printer/<name>", "'sim://scanner'"],
        id="printer-sim-not-a-printer",
    ),
    pytest.param(
        '[printer]\nurl = "   "\n',
        ["[printer] url", "empty for no printer"],
        id="printer-url-blank",
    ),
    pytest.param(
        '[speech]\ndevice = "hw:1,0; rm -rf"\n',
        ["[speech] device", "an ALSA device name", "'hw:1,0; rm -rf'"],
        id="speech-device-not-an-alsa-name",
    ),
    pytest.param(
        '[speech]\ndevice = ""\n',
        ["[speech] device", "must not be empty"],
        id="speech-device-empty",
    ),
    pytest.param(
        "[speech]\ncache_mb = 1\n",
        ["[speech] cache_mb", "at least 10", "got 1"],
        id="speech-cache-too-small",
    ),
    pytest.param('[kiosk]\nid = "   "\n', ["[kiosk] id", "empty"], id="blank-id"),
    pytest.param("[kiosk\nid = 1\n", ["not valid TOML"], id="invalid-toml"),
    pytest.param('[kiosk]\nid = "a"\nid = "b"\n', ["not valid TOML"], id="duplicate-key"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_bad_file_is_refused_with_one_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for part in expected:
        assert part in message


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[kiosk]\nlibrary_name = "Perpustakaan Café"\n'.encode("latin-1"))
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert "UTF-8" in message
    assert "\n" not in message


def test_utf8_text_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, '[kiosk]\nlibrary_name = "Perpustakaan Café — Jl. Merdeka"\n')
    assert config.load(path).kiosk.library_name == "Perpustakaan Café — Jl. Merdeka"


# --- strings: no control characters, a bounded length, a safe kiosk id ----------------

BAD_STRINGS = [
    pytest.param(
        '[kiosk]\nlibrary_name = "a\\u001b[31mRED\\u0007\\u0000b"\n',
        ["[kiosk] library_name", "control characters", "\\x1b"],
        id="escape-bell-nul-in-library-name",
    ),
    pytest.param(
        '[kiosk]\nlibrary_name = "Perpustakaan\\u202eKota"\n',
        ["[kiosk] library_name", "control characters", "\\u202e"],
        id="right-to-left-override",
    ),
    pytest.param(
        '[kiosk]\nlibrary_name = "baris\\u2028kedua"\n',
        ["[kiosk] library_name", "control characters", "\\u2028"],
        id="line-separator",
    ),
    pytest.param(
        '[kiosk]\ndata_dir = "/var/lib/x\\nFAKE"\n',
        ["[kiosk] data_dir", "control characters", "\\n"],
        id="newline-in-data-dir",
    ),
    pytest.param(
        '[scanner]\nurl = "/dev/ttyACM0\\r"\n',
        ["[scanner] url", "control characters", "\\r"],
        id="carriage-return-in-url",
    ),
    pytest.param(
        '[kiosk]\ntimezone = "Asia/Jakarta\\u0000"\n',
        ["[kiosk] timezone", "control characters", "\\x00"],
        id="nul-in-timezone",
    ),
    pytest.param(
        '[kiosk]\nlibrary_name = "' + "P" * 100_000 + '"\n',
        ["[kiosk] library_name", "at most 80 characters", "got 100000"],
        id="huge-library-name",
    ),
    pytest.param(
        '[kiosk]\nid = "' + "k" * 65 + '"\n',
        ["[kiosk] id", "at most 64 characters", "got 65"],
        id="id-longer-than-its-column",
    ),
    pytest.param(
        '[kiosk]\nid = "cabang 7/../x"\n',
        ["[kiosk] id", "letters, digits", "'cabang 7/../x'"],
        id="id-with-space-and-slash",
    ),
    pytest.param(
        '[kiosk]\nid = "-rf"\n',
        ["[kiosk] id", "starting with a letter or digit"],
        id="id-starting-with-a-dash",
    ),
    pytest.param(
        '[kiosk]\ndata_dir = "/' + "d" * 5000 + '"\n',
        ["[kiosk] data_dir", "at most 4096 characters", "got 5001"],
        id="path-longer-than-path-max",
    ),
    pytest.param(
        '[scanner]\nurl = "socket://' + "h" * 5000 + '"\n',
        ["[scanner] url", "at most 4096 characters"],
        id="huge-url",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_STRINGS)
def test_bad_strings_are_refused_with_one_safe_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert message.isprintable(), message  # the bad characters are shown escaped
    assert len(message) < len(str(path)) + 250, message
    for part in expected:
        assert part in message


def test_strings_at_their_limits_are_accepted(tmp_path: Path) -> None:
    name = "Perpustakaan Umum Daerah — Kota Bukittinggi, Sumatera Barat 📚 " + "é" * 18
    kiosk_id = "cabang_7.lantai-2" + "x" * 47
    path = _write(tmp_path, f'[kiosk]\nid = "{kiosk_id}"\nlibrary_name = "{name}"\n')
    loaded = config.load(path).kiosk
    assert (len(loaded.id), len(loaded.library_name)) == (64, 80)
    assert (loaded.id, loaded.library_name) == (kiosk_id, name)


def test_every_free_string_key_has_a_length_limit() -> None:
    """A string key added later cannot forget its bound (keys with choices are bounded)."""
    for section, keys in config._SCHEMA.items():
        for name, key in keys.items():
            if key.type is str and not key.choices:
                assert key.max_chars > 0, f"[{section}] {name}"


def _unreadable(kind: str, tmp_path: Path) -> Path:
    if kind == "directory":
        path = tmp_path / "conf.d"
        path.mkdir()
        return path
    if kind == "missing":
        return tmp_path / "nowhere" / "kiosk.toml"
    path = _write(tmp_path, '[kiosk]\nid = "x"\n')
    path.chmod(0)
    return path


UNREADABLE = [
    "directory",
    "missing",
    pytest.param(
        "no-permission",
        marks=pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file"),
    ),
]


@pytest.mark.parametrize("kind", UNREADABLE)
def test_unreadable_file_is_refused(tmp_path: Path, kind: str) -> None:
    path = _unreadable(kind, tmp_path)
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: cannot read the config file")
    assert "\n" not in message


# --- what is read, and how errors are shown ------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "kiosk.toml"
    os.mkfifo(fifo)
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(fifo)  # before the fix this blocked forever in open()
    assert "it is a FIFO, not a regular file" in str(excinfo.value)


def test_a_link_to_an_endless_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "kiosk.toml"
    link.symlink_to("/dev/zero")
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(link)
    assert "it is a device, not a regular file" in str(excinfo.value)


def test_a_link_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    target = _write(tmp_path, '[kiosk]\nid = "linked"\n', name="real.toml")
    link = tmp_path / "kiosk.toml"
    link.symlink_to(target)
    assert config.load(link).kiosk.id == "linked"


def test_a_huge_file_is_not_read_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"# " + b"x" * config.MAX_BYTES + b"\n")
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    assert "larger than 1024 KiB" in str(excinfo.value)


def test_deeply_nested_arrays_are_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "a = " + "[" * 500 + "\n")
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    assert str(excinfo.value) == f"{path}: not valid TOML (arrays or tables nested too deeply)"


def test_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b"\xef\xbb\xbf[kiosk]\nid = 'x'\n")
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    assert str(excinfo.value) == (
        f"{path}: file starts with a byte-order mark; save it as UTF-8 without BOM"
    )


@pytest.mark.parametrize(
    "text",
    [
        '[kiosk]\nlanguage = "en\\n\\u001b[2Jfake: all fine"\n',
        '[scanner]\nterminator = "' + "T" * 5000 + '"\n',
        '[kiosk]\n"bad\\nkey\\u0007" = 1\n',
        '["sec\\ttion\\r\\n' + "s" * 300 + '"]\n',
        "[display]\nwidth = [" + ", ".join(['"\\n"'] * 400) + "]\n",
    ],
    ids=["newline-and-escape", "long-value", "control-in-key", "long-section", "long-array"],
)
def test_error_messages_are_one_safe_short_line(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.isprintable(), message  # no newline, escape or bell reaches the terminal
    assert len(message) < len(str(path)) + 250, message


def test_a_long_value_is_cut_with_an_ellipsis(tmp_path: Path) -> None:
    path = _write(tmp_path, '[kiosk]\nlanguage = "' + "x" * 500 + '"\n')
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    assert str(excinfo.value).endswith("got '" + "x" * (config.SHOWN_CHARS - 1) + "…")


def test_a_file_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "[nope]\n", name="kiosk\n.toml")
    with pytest.raises(config.ConfigError) as excinfo:
        config.load(path)
    assert str(excinfo.value).startswith(f"{tmp_path}/kiosk\\n.toml: unknown section [nope]")


# --- through the real CLI --------------------------------------------------------------


def _kiosk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (config.CONFIG_ENV, "KIOSK_DATA_DIR")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


CLI_BAD = [
    pytest.param('[kiosk]\nlangauge = "en"\n', "[kiosk] langauge", id="unknown-key"),
    pytest.param("[display]\nwidth = true\n", "[display] width", id="wrong-type"),
    pytest.param(None, None, id="unreadable-directory"),
    pytest.param("", None, id="unreadable-missing"),
    pytest.param("a = " + "[" * 500 + "\n", None, id="nested-500"),
    pytest.param("\ufeff[kiosk]\n", None, id="byte-order-mark"),
]


@pytest.mark.parametrize(("text", "key"), CLI_BAD)
def test_cli_bad_config_exits_2_with_one_line(
    tmp_path: Path, text: str | None, key: str | None
) -> None:
    if text is None:
        path = _unreadable("directory", tmp_path)
    elif text == "":
        path = _unreadable("missing", tmp_path)
    else:
        path = _write(tmp_path, text)
    data_dir = tmp_path / "data"
    result = _kiosk("run", "--config", str(path), "--data-dir", str(data_dir), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    if key is not None:
        assert key in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not data_dir.exists(), "a refused config must not create the database"


def test_cli_version(tmp_path: Path) -> None:
    result = _kiosk("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"kiosk {__version__}"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("run", "--help"), "--config"),
        (("sim", "scanner", "--help"), "--terminator"),
        (("sim", "printer", "--help"), "--port"),
        (("sim", "counter", "--help"), "--protocol {line,beams,modbus}"),
    ],
    ids=["run", "sim-scanner", "sim-printer", "sim-counter"],
)
def test_cli_help_exits_0(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    result = _kiosk(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


@pytest.mark.parametrize(
    "url",
    ["", "/dev/ttyUSB0", "socket://192.168.1.50:9100", "sim://printer", "sim://printer/front"],
)
def test_printer_urls_the_printer_opens_are_accepted(url: str) -> None:
    cfg = config.from_mapping({"printer": {"url": url, "receipt": "none"}}, source=None)
    assert (cfg.printer.url, cfg.printer.receipt) == (url, "none")


@pytest.mark.parametrize("device", ["default", "null", "hw:1,0", "plughw:CARD=Headset,DEV=0"])
def test_speech_device_takes_alsa_names(device: str) -> None:
    cfg = config.from_mapping({"speech": {"device": device}}, source=None)
    assert cfg.speech.device == device
    assert (cfg.speech.enabled, cfg.speech.cache_mb) == (True, 200)
    assert cfg.accessibility.private_audio is False  # a loudspeaker unless said otherwise


@pytest.mark.parametrize(
    ("registers", "shown"),
    [
        ("in_register = 0\nout_register = 1\n", "in_register 0 and out_register 1 overlap"),
        ("in_register = 65535\n", "in_register 65535 is outside 0..65534"),
    ],
    ids=["overlap", "past-the-end"],
)
def test_modbus_registers_that_cannot_be_read_are_a_config_error(
    tmp_path: Path, registers: str, shown: str
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[counters.g]\nurl = "/dev/kiosk-counter"\nprotocol = "modbus"\n{registers}')
    with pytest.raises(config.ConfigError) as raised:
        config.load(path)
    message = str(raised.value)
    assert "[counters.g]" in message and shown in message and "\n" not in message
