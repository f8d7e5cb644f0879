"""Visits: what the guest book and the gate record, and the library's guest-book policy.

A visit is one member scan, one guest, or one group (its leader, institution and size). The
store (:class:`kiosk.core.ports.VisitLog`) turns a visit into a row and an outbox ``visit``
report; members are known there only by a keyed hash of their card (the visitor key), never
the number. The statistics lists (purpose, sex, age band, education, occupation) are codes,
as INLISLite's guest book keeps them; a library may offer other codes with their own labels
(``[guestbook]`` in the config builds :class:`GuestBookPolicy`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.core.i18n import LANGUAGES, Translator


class VisitKind(StrEnum):
    MEMBER = "member"
    GUEST = "guest"
    GROUP = "group"


class VisitSource(StrEnum):
    KIOSK = "kiosk"
    GATE = "gate"


LISTS = ("purpose", "sex", "age_band", "education", "occupation")
"""The statistics lists, in the order the form asks them."""

ASKABLE = LISTS[1:]
"""The lists a library may choose to ask (the purpose is always asked)."""

DEFAULT_CODES: dict[str, tuple[str, ...]] = {
    "purpose": ("reading", "borrowing", "study", "research", "event", "internet", "other"),
    "sex": ("male", "female"),
    "age_band": ("0_12", "13_18", "19_25", "26_45", "46_60", "61_plus"),
    "education": (
        "none",
        "primary",
        "junior_high",
        "senior_high",
        "diploma",
        "bachelor",
        "master",
        "doctorate",
    ),
    "occupation": (
        "school_student",
        "university_student",
        "civil_servant",
        "military_police",
        "private_employee",
        "entrepreneur",
        "teacher",
        "homemaker",
        "retired",
        "other",
    ),
}
"""The built-in codes of each list; each has the catalogue text ``guestbook.<list>.<code>``."""

CODE_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
"""What a code may be (whole match): it goes into stored rows, reports and catalogue keys."""


def catalogue_key(list_name: str, code: str) -> str:
    """The catalogue key of a built-in code: ``guestbook.purpose.reading``."""
    return f"guestbook.{list_name}.{code}"


@dataclass(frozen=True)
class Visit:
    """One visit as the guest book or the gate hands it to the store.

    ``card``, ``name`` and ``institution`` are personal data: never in a repr, and the card
    is hashed by the store, never stored or sent.
    """

    kind: VisitKind
    source: VisitSource
    card: str | None = field(default=None, repr=False)
    name: str | None = field(default=None, repr=False)
    institution: str | None = field(default=None, repr=False)
    purpose: str | None = None  # codes of the lists; None = not asked / not answered
    sex: str | None = None
    age_band: str | None = None
    education: str | None = None
    occupation: str | None = None
    people: int = 1  # a group's size (>= 1)
    people_male: int | None = None  # a group's split by sex, where asked
    people_female: int | None = None


@dataclass(frozen=True)
class VisitRecorded:
    """What :meth:`kiosk.core.ports.VisitLog.record_visit` did."""

    counted: bool  # False: the same visitor was counted within the repeat window
    event_id: str | None  # the stored visit's event id when counted


@dataclass(frozen=True)
class GuestBookPolicy:
    """The library's guest-book choices, from ``[guestbook]`` (``Config.guestbook``).

    ``lists`` maps every name of :data:`LISTS` to the codes offered, in order; ``labels``
    holds the texts of codes that have no catalogue text (or whose text the library
    changed), by ``"<list>.<code>"`` and language. ``enabled`` and ``visitor_key`` are
    the config's too: whether the kiosk offers the guest book at all, and the secret the
    visitor hash is keyed with ("" : the data folder's ``visit-hash.key``).
    """

    lists: Mapping[str, tuple[str, ...]]
    asked: frozenset[str]
    labels: Mapping[str, Mapping[str, str]]
    groups: bool = True
    keep_names: bool = True
    retention_days: int = 90
    send_names: bool = False
    repeat_window_minutes: int = 240
    enabled: bool = True
    visitor_key: str = field(default="", repr=False)

    def label(self, list_name: str, code: str, language: str) -> str:
        """The text of a code in a language: the configured label, else the catalogue's.

        Raises:
            ValueError: ``language`` is not one of the kiosk's languages.
        """
        configured = self.labels.get(f"{list_name}.{code}")
        if configured is not None and language in configured:
            return configured[language]
        return _translator(language)(catalogue_key(list_name, code))


def default_policy() -> GuestBookPolicy:
    """The built-in policy: every default code offered, every list asked."""
    return GuestBookPolicy(lists=dict(DEFAULT_CODES), asked=frozenset(ASKABLE), labels={})


@functools.cache
def _translator(language: str) -> Translator:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
    return Translator(language)
