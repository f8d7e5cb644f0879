"""The kiosk's TOML configuration: one file, every key documented, validated at start.

Every key, its type, default and meaning is in ``deploy/kiosk.example.toml``; the table
``_SCHEMA`` below is the single source the validator reads, and a test checks the example
file lists exactly these keys. No file at all means the embedded demo defaults.

A bad file raises :class:`ConfigError`, whose one-line message names the file, the key and
what is allowed; the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devices.alarm_settings import LINES as ALARM_LINES  # pure dataclasses: stdlib only
from devices.alarm_settings import AlarmSettings
from devices.counters.settings import CounterSettings
from kiosk.core import files
from kiosk.core.visits import ASKABLE, CODE_PATTERN, DEFAULT_CODES, LISTS, GuestBookPolicy

if TYPE_CHECKING:
    from collections.abc import Callable

    from devices.barcodes import BarcodeRules
    from devices.events import DeviceStatus
    from devices.scanner import ScanEvent
    from devices.serial_reader import SerialReader

CONFIG_ENV = "KIOSK_CONFIG"
MAX_BYTES = 1024 * 1024
"""A config file is a few KiB; more than this is the wrong file, and is not read further."""
SHOWN_CHARS = 60
"""How much of a value an error message shows before cutting it with "…"."""
_UTF8_BOM = b"\xef\xbb\xbf"


class ConfigError(Exception):
    """The configuration cannot be used. ``str(err)`` is the one line to show."""


@dataclass(frozen=True)
class _Key:
    type: type | tuple[type, ...]
    default: Any
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_chars: int = 0  # strings: at most this many characters (0: bounded by ``choices``)
    max_items: int = 0  # arrays of strings: at most this many (each checked as a string)
    pattern: str = ""  # strings: the whole value must match this regular expression
    pattern_hint: str = ""  # strings: what ``pattern`` allows, in words, for the message
    secret: bool = False  # a password: an error names the key, never echoes its value

    def shown(self, value: Any) -> str:
        """The value as an error message may show it: escaped, or hidden for a secret."""
        return "a value (not shown: it is a secret)" if self.secret else safe(repr(value))


_ID_CHARS = r"[A-Za-z0-9][A-Za-z0-9._-]*"
"""The kiosk id goes into stored rows (VARCHAR(64)), outbox payloads and the banner:
letters, digits and ``. _ -``, so it is never anything a report, a log line or a file
name would need to escape."""
_PATH_CHARS = 4096  # PATH_MAX on Linux; a longer path or URL cannot be opened anyway
_SYMBOLOGY = "(codabar|ean13|code39|code128)"
_SYMBOLOGY_LIST = rf"\s*{_SYMBOLOGY}(\s*,\s*{_SYMBOLOGY})*\s*"
_SYMBOLOGY_HINT = "comma-separated names of codabar, ean13, code39, code128"
_CODE_LIST_KEYS = {
    "purpose": "purposes",
    "sex": "sexes",
    "age_band": "age_bands",
    "education": "educations",
    "occupation": "occupations",
}
"""[guestbook] key of each statistics list's codes."""
VISITOR_KEY_MIN = 32
"""Characters a configured [guestbook] visitor_key needs at least: a guessable key would
let anyone with a card list recompute the visitor hashes."""
TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "TAB": b"\t", "ETX": b"\x03"}

_SCHEMA: dict[str, dict[str, _Key]] = {
    "kiosk": {
        "id": _Key(
            str,
            "demo-kiosk-1",
            max_chars=64,
            pattern=_ID_CHARS,
            pattern_hint="letters, digits, '.', '_' and '-', starting with a letter or digit",
        ),
        "library_name": _Key(str, "Perpustakaan Kota (demo)", max_chars=80),
        "language": _Key(str, "id", choices=("id", "en")),
        # Text size and colours each session starts with (accessibility.themes); "normal"
        # and "large", from before the three steps, are 100 and 150.
        "text_size": _Key(str, "100", choices=("100", "150", "200", "normal", "large")),
        "theme": _Key(
            str, "default", choices=("default", "yellow_black", "white_black", "black_cream")
        ),
        "timezone": _Key(str, "Asia/Jakarta", max_chars=64),
        "data_dir": _Key(str, "", max_chars=_PATH_CHARS),
    },
    "display": {
        "fullscreen": _Key(bool, False),
        "width": _Key(int, 1280, minimum=640, maximum=7680),
        "height": _Key(int, 800, minimum=480, maximum=4320),
    },
    "session": {
        "idle_timeout": _Key((int, float), 60, minimum=30, maximum=3600),
        # The "I need more time" countdown: at least 20 s to notice it, reach the screen
        # and press it (issue 7; a slow reader or a wheelchair user needs the time).
        "warning": _Key((int, float), 20, minimum=20, maximum=600),
        # The same countdown while voice guidance is on: hearing it and finding the button
        # by keys takes longer (issue 8: at least 60 s).
        "voice_warning": _Key((int, float), 60, minimum=60, maximum=600),
        "summary_timeout": _Key((int, float), 10, minimum=2, maximum=600),
        "error_timeout": _Key((int, float), 15, minimum=2, maximum=600),
    },
    "ils": {
        # demo: the embedded demo library served over SIP2 on loopback, in-process (the
        # production path end to end); local: the demo library called directly (tests);
        # sip2: the library's own system ([sip2]).
        "backend": _Key(str, "demo", choices=("demo", "local", "sip2")),
        "deadline": _Key((int, float), 8, minimum=1, maximum=120),
    },
    # The library's own system over SIP2 ([ils] backend = "sip2"); a preset fills the keys
    # its ILS is known to need (SIP2_PRESETS), keys given here win.
    "sip2": {
        "preset": _Key(str, "", choices=("", "koha", "evergreen", "sierra", "symphony", "folio")),
        "host": _Key(str, "127.0.0.1", max_chars=253),
        "port": _Key(int, 6001, minimum=1, maximum=65535),
        "tls": _Key(bool, False),
        "tls_verify": _Key(bool, True),
        "ca_file": _Key(str, "", max_chars=_PATH_CHARS),
        "client_cert": _Key(str, "", max_chars=_PATH_CHARS),
        "client_key": _Key(str, "", max_chars=_PATH_CHARS),
        "user": _Key(str, "", max_chars=100),
        "password": _Key(str, "", max_chars=200, secret=True),
        "terminal_password": _Key(str, "", max_chars=200, secret=True),
        "location": _Key(str, "", max_chars=100),
        "institution": _Key(str, "", max_chars=100),
        "terminator": _Key(str, "CR", choices=("CR", "CRLF")),
        "encoding": _Key(str, "utf-8", choices=("utf-8", "cp850", "latin-1")),
        "checksums": _Key(bool, True),
        "patron_verification": _Key(str, "pin", choices=("pin", "none")),
        "fees": _Key(str, "ask", choices=("ask", "refuse")),
        "nb_due_date": _Key(str, "loan_days", choices=("loan_days", "blank")),
        "loan_days": _Key(int, 14, minimum=1, maximum=365),
        "timeout": _Key((int, float), 5, minimum=1, maximum=60),
        "keepalive": _Key((int, float), 40, minimum=0, maximum=3600),
        "resend_limit": _Key(int, 3, minimum=0, maximum=10),
    },
    "scanner": {
        "url": _Key(str, "sim://scanner", max_chars=_PATH_CHARS),
        "terminator": _Key(str, "CR", choices=tuple(TERMINATORS)),
        "baudrate": _Key(int, 9600, minimum=300, maximum=921600),
        # RS-232 framing (USB scanners ignore it): 8N1 by default, 7E1 on some older ones.
        "bytesize": _Key(int, 8, minimum=7, maximum=8),
        "parity": _Key(str, "N", choices=("N", "E", "O")),
        "stopbits": _Key(int, 1, minimum=1, maximum=2),
        # Text the scanner is set to add before and after each barcode: removed.
        "prefix": _Key(str, "", max_chars=16),
        "suffix": _Key(str, "", max_chars=16),
        "max_length": _Key(int, 64, minimum=14, maximum=1024),
        "check_digits": _Key(bool, True),
        # The same barcode read again within this many ms is dropped (a book left under a
        # scanner in presentation mode); 0 keeps every read.
        "duplicate_window_ms": _Key(int, 800, minimum=0, maximum=10_000),
    },
    # Which barcodes mean a patron and which an item (devices.barcodes): symbologies as
    # comma-separated names of codabar, ean13, code39, code128.
    "barcodes": {
        "patron_symbologies": _Key(
            str, "codabar", max_chars=64, pattern=_SYMBOLOGY_LIST, pattern_hint=_SYMBOLOGY_HINT
        ),
        "item_symbologies": _Key(
            str, "codabar", max_chars=64, pattern=_SYMBOLOGY_LIST, pattern_hint=_SYMBOLOGY_HINT
        ),
        "patron_type_digit": _Key(str, "2", choices=tuple("0123456789")),
        "item_type_digit": _Key(str, "3", choices=tuple("0123456789")),
        "patron_pattern": _Key(str, "", max_chars=200),
        "item_pattern": _Key(str, "", max_chars=200),
        "isbn_form": _Key(str, "isbn13", choices=("isbn13", "isbn10")),
        "code39_check": _Key(bool, False),
    },
    "printer": {
        "url": _Key(str, "sim://printer", max_chars=_PATH_CHARS),
        "receipt": _Key(str, "printed", choices=("printed", "none")),
    },
    "accessibility": {
        # A second press of the same key or button sooner than this is ignored (a tremor,
        # a key held down, an accidental double tap); 0 turns the guard off.
        "repeat_guard": _Key((int, float), 0.25, minimum=0, maximum=2),
        # Minutes between the attract screen's spoken hint "press any key for voice
        # guidance"; 0 (the default) never says it.
        "voice_hint_every": _Key((int, float), 0, minimum=0, maximum=120),
        # true only when patrons listen through headphones or a handset: then the voice
        # says names, titles and amounts; otherwise it says they are on the screen.
        "private_audio": _Key(bool, False),
    },
    "speech": {
        "enabled": _Key(bool, True),
        # An ALSA device as aplay -D takes it: default, plughw:CARD=Headset,DEV=0, hw:1,0.
        "device": _Key(
            str,
            "default",
            max_chars=100,
            pattern=r"[A-Za-z0-9_][A-Za-z0-9_:,=.-]*",
            pattern_hint="an ALSA device name such as default, hw:1,0 or plughw:CARD=Headset",
        ),
        "cache_mb": _Key(int, 200, minimum=10, maximum=10_000),
    },
    "security": {
        "pin_failures": _Key(int, 5, minimum=1, maximum=100),
        "pin_window": _Key((int, float), 900, minimum=60, maximum=86400),
    },
    # The technician screen (kiosk/core/services/technician.py): opened by a staff card
    # or Ctrl+Alt+T on the attract screen, then the staff PIN. No pin_hash: it never opens.
    "technician": {
        # `kiosk staff-pin` prints this line: scrypt$n$r$p$salt$hash (never the PIN itself).
        "pin_hash": _Key(
            str,
            "",
            max_chars=200,
            pattern=r"(scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+)?",
            pattern_hint="the line `kiosk staff-pin` prints (scrypt$...)",
            secret=True,
        ),
        # Barcodes of staff cards: scanned on the attract screen they ask for the staff PIN,
        # and they are never sent to the library system as a patron's card.
        "staff_cards": _Key(
            list,
            [],
            max_chars=64,
            max_items=50,
            pattern=r"[A-Za-z0-9]+",
            pattern_hint="letters and digits, as the scanner reads the card",
        ),
        # Minutes the screen stays locked after 3 wrong staff PINs in a row.
        "lock_minutes": _Key(int, 5, minimum=1, maximum=120),
    },
    "offline": {
        # When the library system cannot be reached (connection refused, timeout, login
        # refused): "accept" returns and store them for replay, or "refuse" them.
        "returns": _Key(str, "accept", choices=("accept", "refuse")),
        # Loans: "limited" (within the limits below, only for cards seen online lately) or
        # "refuse".
        "loans": _Key(str, "limited", choices=("limited", "refuse")),
        "patron_limit": _Key(int, 3, minimum=1, maximum=50),
        "session_limit": _Key(int, 5, minimum=1, maximum=50),
        "seen_days": _Key(int, 30, minimum=1, maximum=365),
        "loan_days": _Key(int, 14, minimum=1, maximum=90),
    },
    # The guest book (kiosk/core/visits.py): who visits, for the library's statistics.
    # [guestbook.labels] (not in this table) gives the texts of codes the catalogue lacks.
    "guestbook": {
        "enabled": _Key(bool, True),
        "keep_names": _Key(bool, True),
        "retention_days": _Key(int, 90, minimum=1, maximum=3650),
        "send_names": _Key(bool, False),
        "repeat_window_minutes": _Key(int, 240, minimum=0, maximum=1440),
        "groups": _Key(bool, True),
        "ask": _Key(list, list(ASKABLE), max_chars=32, max_items=len(ASKABLE)),
        **{
            _CODE_LIST_KEYS[name]: _Key(
                list,
                list(codes),
                max_chars=32,
                max_items=50,
                pattern=CODE_PATTERN.pattern,
                pattern_hint="codes of 1 to 32 lower-case letters, digits and '_'",
            )
            for name, codes in DEFAULT_CODES.items()
        },
        # Keys the visitor hash (HMAC) so every kiosk and gate of the library hashes a card
        # alike; "" = the data folder's visit-hash.key.
        "visitor_key": _Key(str, "", max_chars=256, secret=True),
    },
    # The entrance gate daemon (`kiosk gate`); its counters are the [counters.<id>] tables.
    "gate": {
        "id": _Key(  # "" = the [kiosk] id
            str,
            "",
            max_chars=64,
            pattern=f"({_ID_CHARS})?",
            pattern_hint="letters, digits, '.', '_' and '-', starting with a letter or digit",
        ),
        "interval_minutes": _Key(int, 15, minimum=1, maximum=60),  # and a divisor of 60
        # Local time (HH:MM) occupancy goes back to 0, even if the gate was down then.
        "closing_time": _Key(
            str,
            "00:00",
            max_chars=5,
            pattern=r"([01][0-9]|2[0-3]):[0-5][0-9]",
            pattern_hint="a 24-hour time HH:MM, such as 16:00",
        ),
        "scanner": _Key(str, "", max_chars=_PATH_CHARS),  # member card scanner URL, optional
        "greet_by_name": _Key(bool, False),
        "data_dir": _Key(str, "", max_chars=_PATH_CHARS),  # "" = the gate's own data folder
    },
    "visits": {
        # `kiosk visits`: the weekdays the library opens (the "average per opening day"),
        # and dates it stays closed on one of them (public holidays).
        "opening_days": _Key(
            list,
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"],
            max_chars=9,
            max_items=7,
            pattern=r"monday|tuesday|wednesday|thursday|friday|saturday|sunday",
            pattern_hint="weekday names in English, lower case (monday ... sunday)",
        ),
        "holidays": _Key(
            list,
            [],
            max_chars=10,
            max_items=400,
            pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
            pattern_hint="dates as YYYY-MM-DD",
        ),
    },
}

# The security gate's alarm input (devices/alarm.py), [gate.alarm]; absent = none.
_ALARM_SCHEMA: dict[str, _Key] = {
    "url": _Key(str, "", max_chars=_PATH_CHARS),  # /dev/ttyS0, rfc2217://host:port
    "id": _Key(
        str,
        "alarm",
        max_chars=64,
        pattern=_ID_CHARS,
        pattern_hint="letters, digits, '.', '_' and '-', starting with a letter or digit",
    ),
    "line": _Key(str, "cts", choices=ALARM_LINES),  # the modem-status line the relay drives
    "active": _Key(str, "high", choices=("high", "low")),  # low: a normally-closed relay
    "debounce_ms": _Key(int, 50, minimum=0, maximum=10_000),
    "min_gap_s": _Key((int, float), 5, minimum=0, maximum=3600),  # quiet before a new alarm
}

# Visitor counters: any number of [counters.<id>] tables (none by default), each with
# these keys; CounterSettings (devices.counters.settings) checks how they fit together.
# interval's default depends on the protocol (1 s, or 5 ms line sampling for beams).
_COUNTER_ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_MODEM_LINES = ("cts", "dsr", "dcd", "ri")
_COUNTER_SCHEMA: dict[str, _Key] = {
    "url": _Key(str, None, max_chars=_PATH_CHARS),  # required: no default
    "protocol": _Key(str, "line", choices=("line", "modbus", "beams")),
    "baudrate": _Key(int, 9600, minimum=300, maximum=921600),
    "bytesize": _Key(int, 8, minimum=7, maximum=8),
    "parity": _Key(str, "N", choices=("N", "E", "O")),
    "stopbits": _Key(int, 1, minimum=1, maximum=2),
    "bits": _Key(int, 32, minimum=16, maximum=32),
    "max_step": _Key(int, 10_000, minimum=1, maximum=2**31 - 1),
    "mode": _Key(str, "push", choices=("push", "poll")),
    "interval": _Key((int, float), None, minimum=0.001, maximum=3600),
    "address": _Key(str, "", max_chars=16),
    "unit": _Key(int, 1, minimum=1, maximum=247),
    "register_type": _Key(str, "holding", choices=("holding", "input")),
    "in_register": _Key(int, 0, minimum=0, maximum=65535),
    "out_register": _Key(int, 2, minimum=0, maximum=65535),
    "width": _Key(int, 32, minimum=16, maximum=32),
    "word_order": _Key(str, "big", choices=("big", "little")),
    "beam_a": _Key(str, "cts", choices=_MODEM_LINES),
    "beam_b": _Key(str, "", choices=("", *_MODEM_LINES)),
    "count_single": _Key(str, "in", choices=("in", "out")),
    "debounce": _Key((int, float), 0.05, minimum=0, maximum=10),
}

SIP2_PRESETS: dict[str, dict[str, Any]] = {
    "": {},
    # Koha's etc/SIPconfig.xml: RAW listener on port 6001, error-detect enabled, CR, the
    # example logins use encoding utf8; client_timeout 600 s closes idle connections.
    "koha": {"port": 6001, "terminator": "CR", "checksums": True, "encoding": "utf-8",
             "keepalive": 240},
    # Evergreen's SIPServer (the transcripts in tests/data/sip2): CR, checksums, UTF-8.
    "evergreen": {"port": 6001, "terminator": "CR", "checksums": True, "encoding": "utf-8",
                  "keepalive": 50},
    # Sierra and Symphony: no public source found; SIP2's own defaults, stated explicitly.
    "sierra": {"port": 6001, "terminator": "CR", "checksums": True},
    "symphony": {"port": 6001, "terminator": "CR", "checksums": True},
    # FOLIO edge-sip2 README: port 6443 in its sample, TLS strongly recommended, error
    # detection off and charset IBM850 by default, message delimiter CR; the login's
    # location code (CP) is the kiosk's service point UUID.
    "folio": {"port": 6443, "tls": True, "checksums": False, "encoding": "cp850",
              "terminator": "CR"},
}  # fmt: skip
"""What each ``[sip2] preset`` sets (docs/architecture.md says where each fact comes from)."""

SIP2_USER_ENV, SIP2_PASSWORD_ENV = "KIOSK_SIP2_USER", "KIOSK_SIP2_PASSWORD"


@dataclass(frozen=True)
class KioskSettings:
    id: str
    library_name: str
    language: str
    text_size: str
    theme: str
    timezone: str
    data_dir: str


@dataclass(frozen=True)
class DisplaySettings:
    fullscreen: bool
    width: int
    height: int


@dataclass(frozen=True)
class SessionSettings:
    idle_timeout: float
    warning: float
    voice_warning: float
    summary_timeout: float
    error_timeout: float


@dataclass(frozen=True)
class IlsSettings:
    backend: str
    deadline: float


@dataclass(frozen=True)
class Sip2Settings:
    preset: str
    host: str
    port: int
    tls: bool
    tls_verify: bool
    ca_file: str
    client_cert: str
    client_key: str
    user: str
    password: str = field(repr=False)
    terminal_password: str = field(repr=False)
    location: str
    institution: str
    terminator: str
    encoding: str
    checksums: bool
    patron_verification: str
    fees: str
    nb_due_date: str
    loan_days: int
    timeout: float
    keepalive: float
    resend_limit: int

    def credentials(self) -> tuple[str, str]:
        """The login user and password: $KIOSK_SIP2_USER and $KIOSK_SIP2_PASSWORD when
        set (so the password need not be in the file), else the file's."""
        user = os.environ.get(SIP2_USER_ENV) or self.user
        return user, os.environ.get(SIP2_PASSWORD_ENV) or self.password


@dataclass(frozen=True)
class ScannerSettings:
    url: str
    terminator: str
    baudrate: int
    bytesize: int
    parity: str
    stopbits: int
    prefix: str
    suffix: str
    max_length: int
    check_digits: bool
    duplicate_window_ms: int

    @property
    def terminator_bytes(self) -> bytes:
        return TERMINATORS[self.terminator]

    def reader(
        self,
        url: str,
        on_event: Callable[[ScanEvent | DeviceStatus], None],
        rules: BarcodeRules,
        *,
        duplicate_window: float | None = None,
    ) -> SerialReader:
        """Build (not start) the reader of a scanner framed by these settings.

        Here, outside the layers, so that the kiosk and the gate read scanners alike.

        Args:
            url: the scanner's pyserial URL (the kiosk's ``url``, the gate's own).
            on_event: called on the reader thread with scans and device status.
            rules: the accepted symbologies and the Code 39 check (``[barcodes]``).
            duplicate_window: seconds a repeated read is dropped; None: these settings'.
        """
        from devices.scanner import open_scanner  # loading the config stays cheap

        if duplicate_window is None:
            duplicate_window = self.duplicate_window_ms / 1000
        return open_scanner(
            url,
            on_event,
            baudrate=self.baudrate,
            bytesize=self.bytesize,
            parity=self.parity,
            stopbits=self.stopbits,
            terminator=self.terminator_bytes,
            max_length=self.max_length,
            check_digits=self.check_digits,
            symbologies=tuple(sorted(rules.symbologies)),
            code39_check=rules.code39_check,
            prefix=self.prefix,
            suffix=self.suffix,
            duplicate_window=duplicate_window,
        )


@dataclass(frozen=True)
class BarcodeSettings:
    patron_symbologies: str  # comma-separated: "codabar", "codabar, code128"
    item_symbologies: str
    patron_type_digit: str
    item_type_digit: str
    patron_pattern: str  # a regular expression over a Code 39/128 patron id; '' any
    item_pattern: str
    isbn_form: str  # "isbn13" or "isbn10": what the ILS is sent
    code39_check: bool

    @staticmethod
    def names(text: str) -> frozenset[str]:
        """The symbology names of a comma-separated list."""
        return frozenset(name.strip() for name in text.split(",") if name.strip())

    def rules(self) -> BarcodeRules:
        """The library's meaning of barcodes, from these (validated) settings.

        Here, outside the layers, so that the kiosk (``kiosk.bootstrap``) and the gate
        (``kiosk.gate``, which may not import bootstrap) build the very same rules.
        """
        from devices.barcodes import BarcodeRules  # loading the config stays cheap

        return BarcodeRules(
            patron_symbologies=self.names(self.patron_symbologies),
            item_symbologies=self.names(self.item_symbologies),
            patron_type_digit=self.patron_type_digit,
            item_type_digit=self.item_type_digit,
            patron_pattern=self.patron_pattern,
            item_pattern=self.item_pattern,
            isbn_form=self.isbn_form,
            code39_check=self.code39_check,
        )


@dataclass(frozen=True)
class PrinterSettings:
    url: str  # '' when there is no receipt printer
    receipt: str  # the default choice on a summary: "printed" or "none"


@dataclass(frozen=True)
class AccessibilitySettings:
    repeat_guard: float
    voice_hint_every: float  # minutes; 0: never
    private_audio: bool  # headphones or a handset: personal data may be spoken


@dataclass(frozen=True)
class SpeechSettings:
    enabled: bool
    device: str  # the ALSA device aplay plays on
    cache_mb: int


@dataclass(frozen=True)
class SecuritySettings:
    pin_failures: int
    pin_window: float


@dataclass(frozen=True)
class TechnicianSettings:
    pin_hash: str = field(repr=False)  # '' when no technician screen is wanted
    staff_cards: tuple[str, ...]
    lock_minutes: int


@dataclass(frozen=True)
class OfflineSettings:
    returns: str  # "accept" or "refuse"
    loans: str  # "limited" or "refuse"
    patron_limit: int  # offline loans of one card waiting for replay
    session_limit: int  # offline loans in one session
    seen_days: int  # only cards whose card + PIN the ILS accepted this many days back
    loan_days: int  # an offline loan is due this many days later (sent on replay)


@dataclass(frozen=True)
class GateSettings:
    id: str  # "" = [kiosk] id; see Config.gate_id
    interval_minutes: int  # divides 60
    closing_time: str  # "HH:MM", local
    scanner: str  # member card scanner URL, "" = none
    greet_by_name: bool
    data_dir: str  # "" = the gate's own data folder
    alarm: AlarmSettings | None = None  # [gate.alarm]; None = no alarm input


@dataclass(frozen=True)
class VisitsSettings:
    opening_days: tuple[str, ...]  # weekday names: the days counted by "average per opening day"
    holidays: tuple[str, ...]  # YYYY-MM-DD: closed although their weekday is an opening day


@dataclass(frozen=True)
class Config:
    """The whole validated configuration. ``source`` is the file it came from, if any."""

    kiosk: KioskSettings
    display: DisplaySettings
    session: SessionSettings
    ils: IlsSettings
    sip2: Sip2Settings
    scanner: ScannerSettings
    barcodes: BarcodeSettings
    printer: PrinterSettings
    accessibility: AccessibilitySettings
    speech: SpeechSettings
    security: SecuritySettings
    technician: TechnicianSettings
    offline: OfflineSettings
    guestbook: GuestBookPolicy
    gate: GateSettings
    visits: VisitsSettings
    source: Path | None = None
    counters: dict[str, CounterSettings] = field(default_factory=dict)  # by id; none by default

    @property
    def gate_id(self) -> str:
        """The entrance gate's id: ``[gate] id``, else ``[kiosk] id``."""
        return self.gate.id or self.kiosk.id


_SECTION_TYPES = {
    "kiosk": KioskSettings,
    "display": DisplaySettings,
    "session": SessionSettings,
    "ils": IlsSettings,
    "sip2": Sip2Settings,
    "scanner": ScannerSettings,
    "barcodes": BarcodeSettings,
    "printer": PrinterSettings,
    "accessibility": AccessibilitySettings,
    "speech": SpeechSettings,
    "security": SecuritySettings,
    "technician": TechnicianSettings,
    "offline": OfflineSettings,
    "gate": GateSettings,
    "visits": VisitsSettings,
}


def schema() -> dict[str, dict[str, Any]]:
    """Every section and key with its default, for docs and tests."""
    return {s: {k: key.default for k, key in keys.items()} for s, keys in _SCHEMA.items()}


def counter_schema() -> dict[str, Any]:
    """Every key of a ``[counters.<id>]`` table with its default (None: required ``url``, or
    the protocol's own ``interval``)."""
    return {name: key.default for name, key in _COUNTER_SCHEMA.items()}


def defaults() -> Config:
    """The embedded demo configuration used when there is no file."""
    return from_mapping({}, source=None)


def load(path: Path | None = None) -> Config:
    """Read and validate the configuration.

    Args:
        path: an explicit file (``--config``). Without it, ``$KIOSK_CONFIG`` is used if
            set, else the demo defaults.

    Raises:
        ConfigError: the file cannot be read or is not valid.
    """
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    if path is None:
        return defaults()
    raw, mode = _read_bounded(path)
    if raw.startswith(_UTF8_BOM):
        raise ConfigError(
            f"{_shown(path)}: file starts with a byte-order mark; save it as UTF-8 without BOM"
        )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"{_shown(path)}: not UTF-8 text; save the file as UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{_shown(path)}: not valid TOML ({safe(str(err))})") from err
    except RecursionError as err:
        # tomllib parses nested arrays and inline tables recursively; 500 "[" exhaust it.
        raise ConfigError(
            f"{_shown(path)}: not valid TOML (arrays or tables nested too deeply)"
        ) from err
    config = from_mapping(data, source=path)
    secret = data.get("sip2", {}) if isinstance(data.get("sip2"), dict) else {}
    if (secret.get("password") or secret.get("terminal_password")) and mode & 0o077:
        raise ConfigError(
            f"{_shown(path)}: holds the SIP2 password but other users may read it (mode "
            f"{mode & 0o777:o}); run chmod 600 on it, or give the password in "
            f"${SIP2_PASSWORD_ENV} instead"
        )
    if config.guestbook.visitor_key and mode & 0o077:
        raise ConfigError(
            f"{_shown(path)}: holds the [guestbook] visitor_key but other users may read it "
            f"(mode {mode & 0o777:o}); run chmod 600 on it"
        )
    return config


def _read_bounded(path: Path) -> tuple[bytes, int]:
    """The file's bytes: a regular file (after following symlinks) of at most MAX_BYTES.

    Opened non-blocking so a FIFO cannot hang the start, then refused by ``fstat`` with
    devices (``/dev/zero`` would read forever) and directories; the check is on the opened
    descriptor, so the file cannot be swapped between the check and the read.
    """

    def refuse(reason: str) -> ConfigError:
        return ConfigError(
            f"{_shown(path)}: cannot read the config file ({reason}); "
            "check the path and permissions"
        )

    try:
        fd = files.open_regular(path)
    except OSError as err:  # NotRegularFile's strerror: "it is a FIFO, not a regular file"
        raise refuse(err.strerror or str(err)) from err
    try:
        mode = os.fstat(fd).st_mode
        data = files.read_at_most(fd, MAX_BYTES + 1)
    except OSError as err:
        raise refuse(err.strerror or str(err)) from err
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise ConfigError(
            f"{_shown(path)}: the config file is larger than {MAX_BYTES // 1024} KiB; "
            "is this the right file?"
        )
    return data, mode


def safe(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` made fit for a one-line message: control characters escaped, cut at ``limit``.

    Newlines, tabs, escape sequences and other control or format characters are shown as
    ``\\n``, ``\\x1b`` and so on, so a value cannot break the line or drive the terminal; a
    value longer than ``limit`` characters is cut and ends with "…".
    """
    shown = "".join(_escape(ch) for ch in text[:limit])
    return shown + "…" if len(text) > limit else shown


def _escape(ch: str) -> str:
    return ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")


def _shown(path: Path | None) -> str:
    """A file name for a message: escaped, but not cut (the technician needs all of it)."""
    return safe(str(path), limit=4096) if path is not None else "<defaults>"


def from_mapping(data: dict[str, Any], source: Path | None) -> Config:
    """Validate a parsed TOML document.

    Raises:
        ConfigError: an unknown section or key, a wrong type or a value out of range.
    """
    where = _shown(source)
    sections: dict[str, Any] = {}
    for section in data:
        if section not in _SCHEMA and section != "counters":
            # Names only, no brackets: fourteen sections must still fit one short line.
            allowed = " ".join((*_SCHEMA, "counters.<id>"))
            raise ConfigError(f"{where}: unknown section [{safe(section)}]; sections: {allowed}")
        if not isinstance(data[section], dict):
            raise ConfigError(f"{where}: {section} must be a [{section}] table")
    for section, keys in _SCHEMA.items():
        given = data.get(section, {})
        if section == "guestbook":  # [guestbook.labels] is a table of its own
            given = {name: value for name, value in given.items() if name != "labels"}
        if section == "gate":  # and [gate.alarm]
            given = {name: value for name, value in given.items() if name != "alarm"}
        for name in given:
            if name not in keys:
                allowed = ", ".join(keys)
                raise ConfigError(
                    f"{where}: unknown key [{section}] {safe(name)}; allowed keys: {allowed}"
                )
        if section == "sip2":  # the preset's keys first, those given in the file win
            preset = _value(where, section, "preset", keys["preset"], given)
            given = {**SIP2_PRESETS[preset], **given}
        values = {name: _value(where, section, name, key, given) for name, key in keys.items()}
        if section == "guestbook":
            labels = data.get("guestbook", {}).get("labels", {})
            sections[section] = _guestbook(where, values, labels)
        elif section == "gate":
            alarm = _gate_alarm(where, data.get("gate", {}).get("alarm"))
            sections[section] = GateSettings(**values, alarm=alarm)
        else:
            sections[section] = _SECTION_TYPES[section](**values)
    counters = _counters(where, data.get("counters", {}))
    config = Config(source=source, counters=counters, **sections)
    _check_relations(where, config)
    return config


def _gate_alarm(where: str, given: Any) -> AlarmSettings | None:
    """``[gate.alarm]``, the security gate's alarm input, or None when there is none."""
    if given is None:
        return None
    if not isinstance(given, dict):
        raise ConfigError(f"{where}: gate.alarm must be a [gate.alarm] table")
    for name in given:
        if name not in _ALARM_SCHEMA:
            allowed = ", ".join(_ALARM_SCHEMA)
            raise ConfigError(
                f"{where}: unknown key [gate.alarm] {safe(name)}; allowed keys: {allowed}"
            )
    values = {
        name: _value(where, "gate.alarm", name, key, given) for name, key in _ALARM_SCHEMA.items()
    }
    if not values["url"].strip():
        raise ConfigError(
            f"{where}: [gate.alarm] url: the alarm input's serial port or URL is needed, e.g. "
            '"/dev/ttyS0" or "rfc2217://10.0.0.5:4001"'
        )
    try:
        return AlarmSettings(
            url=values["url"],
            device_id=values["id"],
            line=values["line"],
            active=values["active"],
            debounce=values["debounce_ms"] / 1000,
            min_gap=float(values["min_gap_s"]),
        )
    except ValueError as err:  # the message names the setting
        raise ConfigError(f"{where}: [gate.alarm] {safe(str(err), limit=200)}") from err


def _counters(where: str, tables: dict[str, Any]) -> dict[str, CounterSettings]:
    """The ``[counters.<id>]`` tables, each checked key by key, then as a whole."""
    counters = {}
    for device_id, given in tables.items():
        label = f"[counters.{safe(device_id)}]"
        if re.fullmatch(_COUNTER_ID, device_id) is None:
            raise ConfigError(
                f"{where}: {label}: name a counter with 1 to 64 letters, digits, '.', '_' "
                "or '-', starting with a letter or digit"
            )
        if not isinstance(given, dict):
            raise ConfigError(f"{where}: counters.{safe(device_id)} must be a {label} table")
        for name in given:
            if name not in _COUNTER_SCHEMA:
                allowed = ", ".join(_COUNTER_SCHEMA)
                raise ConfigError(
                    f"{where}: unknown key {label} {safe(name)}; allowed keys: {allowed}"
                )
        if not str(given.get("url", "")).strip():
            raise ConfigError(
                f"{where}: {label} url: the counter's device path or URL is needed, e.g. "
                '"/dev/kiosk-counter"'
            )
        section = f"counters.{safe(device_id)}"
        # Only the keys given, and the protocol: CounterSettings has the other defaults
        # (interval's depends on the protocol).
        names = ["protocol", *(name for name in given if name != "protocol")]
        values = {
            name: _value(where, section, name, _COUNTER_SCHEMA[name], given) for name in names
        }
        try:
            counters[device_id] = CounterSettings(device_id=device_id, **values)
        except ValueError as err:  # how the keys fit together: the message names the key
            raise ConfigError(f"{where}: {label} {safe(str(err), limit=200)}") from err
    return counters


def _guestbook(where: str, values: dict[str, Any], labels: Any) -> GuestBookPolicy:
    """[guestbook] and [guestbook.labels] as the policy: the lists, what is asked, and a
    label in both languages for every code the catalogue has no text for."""
    for name in values["ask"]:
        if name not in ASKABLE:
            raise ConfigError(
                f"{where}: [guestbook] ask: expected some of {', '.join(ASKABLE)}, "
                f"got {safe(repr(name))}"
            )
    lists: dict[str, tuple[str, ...]] = {}
    for list_name in LISTS:
        key = _CODE_LIST_KEYS[list_name]
        codes = values[key]
        if not codes:
            raise ConfigError(f"{where}: [guestbook] {key}: give at least one code")
        if len(set(codes)) != len(codes):
            twice = next(code for code in codes if codes.count(code) > 1)
            raise ConfigError(f"{where}: [guestbook] {key}: {twice} is listed twice")
        lists[list_name] = codes
    if not isinstance(labels, dict):
        raise ConfigError(f"{where}: guestbook.labels must be a [guestbook.labels] table")
    checked = {name: _label(where, name, text, lists) for name, text in labels.items()}
    for list_name, codes in lists.items():
        for code in codes:
            if code not in DEFAULT_CODES[list_name] and f"{list_name}.{code}" not in checked:
                raise ConfigError(
                    f"{where}: [guestbook] {_CODE_LIST_KEYS[list_name]}: {code} has no text; "
                    f'add "{list_name}.{code}" = {{ id = "...", en = "..." }} to '
                    "[guestbook.labels]"
                )
    if values["send_names"] and not values["keep_names"]:
        raise ConfigError(
            f"{where}: [guestbook] send_names: names are sent from the store, and keep_names "
            "= false keeps none; set keep_names = true or send_names = false"
        )
    visitor_key = values["visitor_key"]
    if visitor_key and len(visitor_key) < VISITOR_KEY_MIN:
        raise ConfigError(
            f"{where}: [guestbook] visitor_key: must be at least {VISITOR_KEY_MIN} characters "
            f"(got {len(visitor_key)}; not shown: it is a secret); e.g. the output of "
            "`openssl rand -hex 32`, the same on every kiosk and gate of the library"
        )
    return GuestBookPolicy(
        lists=lists,
        asked=frozenset(values["ask"]),
        labels=checked,
        groups=values["groups"],
        keep_names=values["keep_names"],
        retention_days=values["retention_days"],
        send_names=values["send_names"],
        repeat_window_minutes=values["repeat_window_minutes"],
        enabled=values["enabled"],
        visitor_key=visitor_key,
    )


_LABEL_KEY = _Key(str, "", max_chars=80)


def _label(where: str, name: str, text: Any, lists: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """One [guestbook.labels] entry: "<list>.<code>" = { id = "...", en = "..." }."""
    label = f"{where}: [guestbook.labels] {safe(repr(name))}"
    list_name, _, code = name.partition(".")
    if list_name not in lists or CODE_PATTERN.fullmatch(code) is None:
        raise ConfigError(
            f'{label}: name a code as "<list>.<code>", the list one of {", ".join(LISTS)}'
        )
    if code not in lists[list_name]:
        raise ConfigError(
            f"{label}: {code} is not offered in [guestbook] {_CODE_LIST_KEYS[list_name]}; "
            "add it there or remove the label"
        )
    if not isinstance(text, dict) or set(text) != {"id", "en"}:
        raise ConfigError(f'{label}: expected {{ id = "...", en = "..." }}, both languages')
    for language, value in text.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{label} {language}: expected the text, got {_describe(value)}")
        _check_text(f"{label} {language}", _LABEL_KEY, value)
    return dict(text)


def _value(where: str, section: str, name: str, key: _Key, given: dict[str, Any]) -> Any:
    if name not in given:
        return tuple(key.default) if isinstance(key.default, list) else key.default
    value = given[name]
    label = f"{where}: [{section}] {name}"
    types = key.type if isinstance(key.type, tuple) else (key.type,)
    # bool is an int in Python; a TOML true must not pass for a number.
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        wanted = " or ".join(_TYPE_NAMES[t] for t in types)
        raise ConfigError(f"{label}: expected {wanted}, got {_describe(value, key)}")
    if isinstance(value, str):
        _check_text(label, key, value)
    if isinstance(value, list):
        return _string_list(label, key, value)
    if key.choices and value not in key.choices:
        raise ConfigError(
            f"{label}: expected one of {', '.join(key.choices)}, got {key.shown(value)}"
        )
    if isinstance(value, int | float):  # only numeric keys have a range or become floats
        # nan compares false with everything, so it would pass both range checks and then
        # make every timeout meaningless; TOML also allows inf. Neither is a number of seconds.
        if not math.isfinite(value):
            raise ConfigError(f"{label}: must be a finite number, got {key.shown(value)}")
        if key.minimum is not None and value < key.minimum:
            raise ConfigError(f"{label}: must be at least {key.minimum:g}, got {key.shown(value)}")
        if key.maximum is not None and value > key.maximum:
            raise ConfigError(f"{label}: must be at most {key.maximum:g}, got {key.shown(value)}")
        if float in types:
            return float(value)
    return value


def _check_text(label: str, key: _Key, value: str) -> None:
    """Refuse control characters, over-long strings and (for the id) other characters.

    Every string ends up on a terminal, the screen, the journal or a stored row: an escape
    sequence, a bell, a NUL or a line break in it would drive the terminal or forge a line,
    and a 100 kB name would not fit the screen or a VARCHAR(64) column.
    """
    bad = next((ch for ch in value if _is_control(ch)), None)
    if bad is not None:
        raise ConfigError(
            f"{label}: must not contain control characters such as {safe(bad)}; "
            f"remove them, got {key.shown(value)}"
        )
    if key.max_chars and len(value) > key.max_chars:
        raise ConfigError(
            f"{label}: must be at most {key.max_chars} characters, "
            f"got {len(value)}: {key.shown(value)}"
        )
    if key.pattern and re.fullmatch(key.pattern, value) is None:
        if not value.strip():
            raise ConfigError(f"{label}: must not be empty")
        raise ConfigError(f"{label}: use only {key.pattern_hint}, got {key.shown(value)}")


def _string_list(label: str, key: _Key, value: list[Any]) -> tuple[str, ...]:
    """An array of strings, each checked as a string key is (no control characters, its
    length, its pattern), at most ``max_items`` of them."""
    if key.max_items and len(value) > key.max_items:
        raise ConfigError(f"{label}: at most {key.max_items} entries, got {len(value)}")
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(f"{label}: expected an array of strings, got {_describe(item)}")
        _check_text(label, key, item)
    return tuple(value)


def _is_control(ch: str) -> bool:
    # Category C: control, format (e.g. right-to-left override), surrogate, private use,
    # unassigned; Zl/Zp: the line and paragraph separators, which split lines too.
    return unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")


def _check_relations(where: str, config: Config) -> None:
    try:
        ZoneInfo(config.kiosk.timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(
            f"{where}: [kiosk] timezone: unknown time zone {safe(repr(config.kiosk.timezone))}; "
            "use an IANA name such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura"
        ) from err
    _check_printer_url(where, config.printer.url)
    _check_barcodes(where, config.barcodes)
    _check_sip2(where, config)
    _check_technician(where, config.technician)
    if 60 % config.gate.interval_minutes:
        raise ConfigError(
            f"{where}: [gate] interval_minutes: must divide an hour (1, 2, 3, 4, 5, 6, 10, "
            f"12, 15, 20, 30 or 60), got {config.gate.interval_minutes}"
        )
    _check_visits(where, config.visits)
    if config.session.warning >= config.session.idle_timeout:
        raise ConfigError(
            f"{where}: [session] warning: must be shorter than idle_timeout "
            f"({config.session.idle_timeout:g}), got {config.session.warning:g}"
        )


def _check_visits(where: str, visits: VisitsSettings) -> None:
    """Holidays that are real dates (the pattern lets 2026-02-30 through)."""
    for text in visits.holidays:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"{where}: [visits] holidays: not a date: {safe(repr(text))}; use YYYY-MM-DD"
            ) from None


def _check_barcodes(where: str, barcodes: BarcodeSettings) -> None:
    """Patterns that compile, type digits apart, and a symbology in both lists that the
    patterns can tell apart (else every such barcode would be a patron's)."""
    for name in ("patron_pattern", "item_pattern"):
        try:
            re.compile(getattr(barcodes, name))
        except re.error as err:
            raise ConfigError(
                f'{where}: [barcodes] {name}: not a regular expression ({err}); e.g. "P[0-9]{{6}}"'
            ) from err
    if barcodes.patron_type_digit == barcodes.item_type_digit:
        raise ConfigError(
            f"{where}: [barcodes] item_type_digit: must differ from patron_type_digit "
            f"({barcodes.patron_type_digit})"
        )
    both = BarcodeSettings.names(barcodes.patron_symbologies) & BarcodeSettings.names(
        barcodes.item_symbologies
    )
    if "ean13" in both:
        raise ConfigError(
            f"{where}: [barcodes] ean13 is listed for patrons and items; an EAN-13 cannot "
            "say which it is: keep it in one list"
        )
    if both & {"code39", "code128"} and not (barcodes.patron_pattern or barcodes.item_pattern):
        raise ConfigError(
            f"{where}: [barcodes] {', '.join(sorted(both - {'codabar'}))} is listed for "
            "patrons and items: set patron_pattern or item_pattern to tell them apart"
        )


def _check_sip2(where: str, config: Config) -> None:
    sip2 = config.sip2
    if config.ils.backend == "sip2" and not sip2.host.strip():
        raise ConfigError(f"{where}: [sip2] host: the library system's SIP2 server is needed")
    if sip2.client_key and not sip2.client_cert:
        raise ConfigError(f"{where}: [sip2] client_key: set client_cert too (or neither)")
    if config.ils.backend == "sip2" and sip2.tls:
        # Found out at start, with the file named, rather than by the first patron as "the
        # library system cannot be reached" (attack trial).
        for name in ("ca_file", "client_cert", "client_key"):
            path = getattr(sip2, name)
            if path and not Path(path).is_file():
                raise ConfigError(
                    f"{where}: [sip2] {name}: no such file {safe(repr(path), limit=4096)}; "
                    "give the PEM file's full path"
                )


def _check_technician(where: str, technician: TechnicianSettings) -> None:
    from kiosk.core.staff import parse_pin_hash

    if technician.pin_hash:
        try:
            parse_pin_hash(technician.pin_hash)
        except ValueError as err:
            raise ConfigError(
                f"{where}: [technician] pin_hash: {err}; paste the whole line "
                "`kiosk staff-pin` prints"
            ) from None
    elif technician.staff_cards:
        raise ConfigError(
            f"{where}: [technician] staff_cards: a staff card opens the technician screen "
            "only with a staff PIN; run `kiosk staff-pin` and add its pin_hash line"
        )


def _check_printer_url(where: str, url: str) -> None:
    """The URL forms the receipt printer opens (devices.printer), checked before the first
    print would find out: a network printer needs its host and port, the simulator its name."""
    label = f"{where}: [printer] url"
    if url and not url.strip():
        raise ConfigError(f"{label}: must be a device or URL, or empty for no printer")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return  # a device path: /dev/ttyUSB0, /dev/serial/by-id/...
    scheme = scheme.lower()
    if scheme == "socket":
        host, colon, port = rest.rstrip("/").rpartition(":")
        if not (host and colon and port.isdigit() and 0 < int(port) < 65536):
            raise ConfigError(
                f"{label}: expected socket://host:port (a network receipt printer, usually "
                f"port 9100), got {safe(repr(url))}"
            )
    elif scheme == "sim":
        name, _, rest_name = rest.partition("/")
        if name.lower() != "printer" or "/" in rest_name.strip("/"):
            raise ConfigError(
                f"{label}: expected sim://printer or sim://printer/<name> for the simulated "
                f"printer, got {safe(repr(url))}"
            )


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array of strings",
}


def _describe(value: Any, key: _Key | None = None) -> str:
    kind = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)
    if key is not None and key.secret:
        return f"{kind} (not shown: it is a secret)"
    return f"{kind} {safe(repr(value))}"
