"""What may leave the screen: card numbers masked to their last 4 digits, names not at all.

The screen shows a patron their own name and books; a terminal, the journal or a log file
is read by others and kept for long. Everything written outside the screen goes through
these functions first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the session's module imports this one (through kiosk.core.offline)
    from kiosk.core.session import Notice, Session

NAME_MASK = "[name]"
NAME_PARAMS = frozenset({"name"})
"""Parameters of a notice that hold a person's name ("Selamat datang, {name}!")."""
GIVEN_NAMES = ("answers", "name")
"""Where the guest book keeps the name a guest or a group's leader typed, in
``Session.service_data`` (``kiosk.core.services.guestbook_form``)."""
_LONG_NUMBER = re.compile(r"\d{8,}")  # card and item numbers are 14 digits; dates are not


def mask_code(code: str) -> str:
    """Hide all but the last four characters: ``23171000000010`` -> ``**********0010``."""
    visible = code[-4:] if len(code) > 4 else ""
    return "*" * (len(code) - len(visible)) + visible


def mask_personal(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with every long number masked and every word of ``names`` replaced.

    Args:
        text: what is about to be printed or logged (any number of lines).
        names: the names on screen (the current patron's); each word of two letters or
            more is replaced wherever it stands as a whole word, whatever its case, so
            "Siti" is caught in "Halo, Siti" as well as "Siti Nurhaliza".

    Returns:
        The text safe for a terminal or log.
    """
    text = _LONG_NUMBER.sub(lambda match: mask_code(match.group()), text)
    words = {word for name in names for word in re.findall(r"\w+", name) if len(word) >= 2}
    if words:
        pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        text = re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", NAME_MASK, text, flags=re.IGNORECASE)
    return text


def shown_names(session: Session) -> tuple[str, ...]:
    """Every person's name ``session`` may put on the screen now, for :func:`mask_personal`.

    The signed-in patron's name; a name typed into a form (the guest book's guest or group
    leader); and any name a notice or a state's text is given as its ``name`` parameter
    (the member the guest book greets, who never signs in).
    """
    found: list[str] = []
    if session.patron is not None:
        found.append(session.patron.name)
    answers = session.service_data.get(GIVEN_NAMES[0])
    if isinstance(answers, dict):
        given = answers.get(GIVEN_NAMES[1])
        if isinstance(given, str) and given:
            found.append(given)
    for notice in (session.notice, *session.texts().values()):
        found.extend(_named(notice))
    return tuple(dict.fromkeys(found))


def _named(notice: Notice | None) -> Iterator[str]:
    while notice is not None:
        for param, value in notice.params:
            if param in NAME_PARAMS and isinstance(value, str) and value:
                yield value
        notice = notice.then
