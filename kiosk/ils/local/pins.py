"""PIN storage and the wrong-PIN lock of the embedded demo library, as a real ILS keeps them.

Hashing: scrypt from :mod:`hashlib` with N = 2**15, r = 8, p = 1 (32 MiB of memory per
check) and a random 16-byte salt per card, giving 32 bytes. One check costs about 75 ms
on an idle 2-core PC (``python bench/pin_hash.py``; 150-200 ms with the cores shared),
which a patron does not notice but makes an offline search through all 10,000 four-digit
PINs of one card take about 12 minutes of one core instead of milliseconds with salted
SHA-256. A 4-digit PIN
stays a weak secret whatever the hash; the lock below is what stops guessing at a kiosk.

Seeding: hashing 60 PINs at first start would add about 4.5 s. The seeded PINs are not
secret from the code (they follow from the demo data's public seed), so the file stores
:data:`PENDING` instead of a hash and each PIN is hashed on its card's first check, taken
from :func:`seeded_pin`; the file never holds a clear PIN or a fast hash.

Lock: :data:`LOCK_AFTER` consecutive wrong PINs lock the card for :data:`LOCK_MINUTES`
minutes, by the kiosk's injected clock; while locked the PIN is not checked at all and
the card is refused as blocked. A right PIN ends the run of wrong ones. This is the demo
library's own rule, independent of the kiosk's per-card limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_MAXMEM = 64 * 1024 * 1024  # 128 * r * N = 32 MiB, above OpenSSL's 32 MiB default cap
SALT_BYTES = 16
HASH_BYTES = 32
PENDING = b""
"""Stored instead of a hash until the card's seeded PIN is first checked."""
LOCK_AFTER = 10
"""Library-wide, across every kiosk and the desk; each kiosk also locks a card after its own
``[security] pin_failures`` (5) within ``pin_window``, so one kiosk alone never trips this."""
LOCK_MINUTES = 30


def derive(salt: bytes, pin: str) -> bytes:
    """The scrypt hash of ``pin`` with ``salt``."""
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=SCRYPT_MAXMEM,
        dklen=HASH_BYTES,
    )


def hash_new(pin: str) -> tuple[bytes, bytes]:
    """A fresh random salt and the hash of ``pin`` with it."""
    salt = os.urandom(SALT_BYTES)
    return salt, derive(salt, pin)


def seeded_pin(seed: int, barcode: str) -> str | None:
    """The clear PIN the demo data gives ``barcode`` for ``seed``, or None if it has none."""
    return _seeded_pins(seed).get(barcode)


@functools.lru_cache(maxsize=2)
def _seeded_pins(seed: int) -> dict[str, str]:
    from kiosk.ils.local.demo_data import generate

    return {patron.barcode: patron.pin for patron in generate(seed).patrons}


def locked(locked_until: str | None, now: dt.datetime) -> bool:
    """Whether a card locked until ``locked_until`` (UTC ISO text) is still locked at ``now``."""
    return locked_until is not None and now < dt.datetime.fromisoformat(locked_until)


def after_wrong_pin(
    count: int, locked_until: str | None, now: dt.datetime
) -> tuple[int, str | None]:
    """The failure count and lock after one more wrong PIN at ``now``.

    A lock that has run out starts a new count; the :data:`LOCK_AFTER`-th wrong PIN in a
    row locks the card for :data:`LOCK_MINUTES` minutes.
    """
    if locked_until is not None:  # only called when not locked: the old lock ran out
        count = 0
    count += 1
    if count >= LOCK_AFTER:
        until = now.astimezone(dt.UTC) + dt.timedelta(minutes=LOCK_MINUTES)
        return count, until.isoformat()
    return count, None
