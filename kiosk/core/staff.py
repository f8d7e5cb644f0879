"""The staff PIN that opens the technician screen: stored hashed, checked slowly, locked.

Stored form (``[technician] pin_hash`` in the config; ``kiosk staff-pin`` prints it)::

    scrypt$32768$8$1$<salt, base64>$<hash, base64>
           N     r p  16 random bytes  32 bytes

scrypt from :mod:`hashlib` with the parameters of the demo library's patron PINs
(``kiosk/ils/local/pins.py``: N = 2**15, r = 8, p = 1, 32 MiB, about 75-200 ms a check),
so a copied config file gives a guesser no fast hash. The parameters travel in the line,
so a stronger setting later does not invalidate lines already pasted. The PIN is compared
with :func:`hmac.compare_digest`, and it is never logged, stored or kept in a repr.

The lock (:class:`StaffGate`): :data:`TRIES` wrong PINs in a row lock the screen for the
configured minutes, by the kiosk's clock; while locked no PIN is checked at all (a guesser
learns nothing), and one technician line says so, without the PIN. A right PIN ends the run
of wrong ones. The lock lives in memory: a restart of the kiosk (which a technician with
the machine in hand can do anyway) starts afresh.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import threading
from dataclasses import dataclass

from kiosk.core.ports import Clock

log = logging.getLogger(__name__)

SCHEME = "scrypt"
SCRYPT_N = 2**15  # the demo library's (kiosk/ils/local/pins.py); the core may not import it
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MAX_MEMORY = 256 * 1024 * 1024
"""scrypt needs 128 * r * N bytes; a pasted line asking for more than this is refused
rather than allowed to take the kiosk's memory."""
TRIES = 3
"""Wrong staff PINs in a row before the technician screen is locked."""
MIN_PIN, MAX_PIN = 4, 32
"""A staff PIN is 4 to 32 digits (the PIN pad types digits only)."""


@dataclass(frozen=True)
class PinHash:
    """A parsed ``pin_hash`` line."""

    n: int
    r: int
    p: int
    salt: bytes = b""
    digest: bytes = b""

    def __repr__(self) -> str:
        return f"PinHash(scrypt, n={self.n}, r={self.r}, p={self.p})"


def check_pin_format(pin: str) -> None:
    """Refuse a staff PIN the kiosk's PIN pad could not type.

    Raises:
        ValueError: not 4 to 32 digits (the message never contains the PIN).
    """
    if not pin.isascii() or not pin.isdigit():
        raise ValueError("a staff PIN is digits only (the kiosk's PIN pad types digits)")
    if not MIN_PIN <= len(pin) <= MAX_PIN:
        raise ValueError(f"a staff PIN is {MIN_PIN} to {MAX_PIN} digits long")


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """The ``pin_hash`` line for ``pin``: a fresh random salt unless one is given (tests).

    Raises:
        ValueError: the PIN is not 4 to 32 digits.
    """
    check_pin_format(pin)
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = _derive(pin, PinHash(SCRYPT_N, SCRYPT_R, SCRYPT_P, salt))
    return "$".join((SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)))


def parse_pin_hash(line: str) -> PinHash:
    """Read a ``pin_hash`` line.

    Raises:
        ValueError: not a line ``kiosk staff-pin`` could have printed (says what is wrong,
            never echoes the line).
    """
    parts = line.strip().split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise ValueError("expected 6 fields: scrypt$N$r$p$salt$hash")
    try:
        n, r, p = (int(field) for field in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("N, r and p must be numbers and salt and hash base64") from None
    if n < 2**10 or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ValueError("N must be a power of 2 of at least 1024, r 1 to 32, p 1 to 16")
    if 128 * r * n > MAX_MEMORY:
        raise ValueError(f"N and r ask for more than {MAX_MEMORY // 2**20} MiB")
    if len(salt) < SALT_BYTES or len(digest) != HASH_BYTES:
        raise ValueError(f"the salt must be at least {SALT_BYTES} bytes, the hash {HASH_BYTES}")
    return PinHash(n, r, p, salt, digest)


def verify_pin(pin: str, stored: PinHash) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from (constant-time comparison)."""
    if not pin or len(pin) > MAX_PIN:
        return False  # never hashed: a 10 MB "PIN" would cost as much as a right one
    return hmac.compare_digest(_derive(pin, stored), stored.digest)


def _derive(pin: str, stored: PinHash) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=stored.salt,
        n=stored.n,
        r=stored.r,
        p=stored.p,
        maxmem=max(MAX_MEMORY, 128 * stored.r * stored.n + 1024 * 1024),
        dklen=HASH_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class StaffCheck:
    """The answer to one staff PIN.

    Attributes:
        ok: the PIN is right; the technician screen opens.
        tries_left: wrong PINs left before the lock (after a wrong one).
        locked_minutes: the screen is locked for about this many more minutes (0: not
            locked); no PIN was checked.
    """

    ok: bool
    tries_left: int = TRIES
    locked_minutes: int = 0


class StaffGate:
    """Checks staff PINs against the configured hash, with the lock. Any thread.

    Args:
        pin_hash: the ``[technician] pin_hash`` line.
        clock: the kiosk's clock (the lock runs on its monotonic time).
        lock_minutes: how long :data:`TRIES` wrong PINs in a row lock the screen.

    Raises:
        ValueError: ``pin_hash`` is not a valid line (the config refuses it first).
    """

    def __init__(self, pin_hash: str, clock: Clock, *, lock_minutes: int = 5) -> None:
        self._stored = parse_pin_hash(pin_hash)
        self._clock = clock
        self._lock_seconds = lock_minutes * 60.0
        self._guard = threading.Lock()
        self._wrong = 0
        self._locked_until: float | None = None

    def locked_minutes(self) -> int:
        """About how many more minutes the screen is locked (0: not locked). Fast."""
        with self._guard:
            return self._minutes_left(self._clock.monotonic())

    def check(self, pin: str) -> StaffCheck:
        """Check one PIN (slow: scrypt), unless the screen is locked."""
        with self._guard:  # one check at a time: two racing guesses count as two
            now = self._clock.monotonic()
            minutes_left = self._minutes_left(now)
            if minutes_left:
                return StaffCheck(False, 0, minutes_left)
            if verify_pin(pin, self._stored):
                self._wrong = 0
                return StaffCheck(True)
            self._wrong += 1
            if self._wrong < TRIES:
                return StaffCheck(False, TRIES - self._wrong)
            self._locked_until = now + self._lock_seconds
            minutes = int(self._lock_seconds // 60)
            log.warning(
                "technician screen: %d wrong staff PINs in a row; locked for %d minute%s; "
                "if this was not a technician, check who was at the kiosk",
                TRIES,
                minutes,
                "" if minutes == 1 else "s",
            )
            return StaffCheck(False, 0, minutes)

    def _minutes_left(self, now: float) -> int:
        # Called with the guard held; a lock that ran out ends the run of wrong PINs too.
        if self._locked_until is None:
            return 0
        if now < self._locked_until:
            return max(1, int(-(-(self._locked_until - now) // 60)))
        self._locked_until = None
        self._wrong = 0
        return 0
