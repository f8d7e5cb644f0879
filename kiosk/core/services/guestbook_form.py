"""The guest book's form: its steps, their checks, and what the form's screens list.

A guest answers: name, institution (optional), purpose, then each list the library's
policy asks (sex, age band, education, occupation, in that order), each with "prefer not
to say". A group's leader answers: name, institution (required), number of people, how
many of them are men where sex is asked (women are the rest), purpose. The answers live in
``session.service_data`` only (forgotten when the session ends) until the patron saves.

Typed text goes through :func:`kiosk.core.text_input.check_text` (control characters, bidi
controls, limits, required); anything else, any script, emoji or SQL-looking text, is kept
exactly as typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kiosk.core.session import Notice, Row, Session
from kiosk.core.text_input import check_text, clean_text
from kiosk.core.visits import GuestBookPolicy, Visit, VisitKind, VisitSource

NAME_LIMIT = 80
INSTITUTION_LIMIT = 100
PEOPLE_DIGITS = 3
MIN_GROUP, MAX_GROUP = 2, 999

TEXT_STEPS = ("name", "institution", "people", "people_male")
"""Steps typed on the keyboard; each is its own state ``guestbook.<step>``."""
LIMITS = {
    "name": NAME_LIMIT,
    "institution": INSTITUTION_LIMIT,
    "people": PEOPLE_DIGITS,
    "people_male": PEOPLE_DIGITS,
}
"""How many characters each typed step's field takes (typing stops there)."""
ASKABLE = ("sex", "age_band", "education", "occupation")
"""Lists the policy may ask, in the order they are asked."""
DECLINED = "-"
"""The answer "prefer not to say" (stored as no answer)."""

KIND = "kind"
STEP = "step"
ANSWERS = "answers"


def steps(policy: GuestBookPolicy, kind: str) -> list[str]:
    """The form's steps for a guest or a group, in order."""
    if kind == VisitKind.GROUP:
        by_sex = ["people_male"] if "sex" in policy.asked else []
        return ["name", "institution", "people", *by_sex, "purpose"]
    return ["name", "institution", "purpose", *[name for name in ASKABLE if name in policy.asked]]


def answers(session: Session) -> dict[str, object]:
    """The answers given so far (a dict in ``service_data``, forgotten with the session)."""
    found = session.service_data.setdefault(ANSWERS, {})
    assert isinstance(found, dict)
    return found


def kind(session: Session) -> str:
    return str(session.service_data.get(KIND, VisitKind.GUEST))


def current_step(session: Session, policy: GuestBookPolicy) -> str:
    index = int(str(session.service_data.get(STEP, 0)))
    form = steps(policy, kind(session))
    return form[min(index, len(form) - 1)]


# ----- checking one answer --------------------------------------------------------------------


def check_typed(session: Session, step: str, text: str) -> tuple[object, Notice | None]:
    """The value of a typed step, or why it is refused.

    An empty answer where one was given before (the patron chose Change) keeps it.
    """
    given = answers(session)
    if not text.strip() and given.get(step) is not None:
        return given[step], None
    if step == "name":
        return _checked(text, NAME_LIMIT, required=True)
    if step == "institution":
        required = kind(session) == VisitKind.GROUP
        value, problem = _checked(text, INSTITUTION_LIMIT, required=required)
        return (value or None), problem
    if step == "people":
        return _number(text, MIN_GROUP, MAX_GROUP, "guestbook.people_range")
    people = int(str(given.get("people", MAX_GROUP)))
    return _number(text, 0, people, "guestbook.men_range")


def _checked(text: str, limit: int, *, required: bool) -> tuple[str, Notice | None]:
    problem = check_text(text, limit, required)
    return ("" if problem else clean_text(text)), problem


def _number(text: str, low: int, high: int, key: str) -> tuple[int, Notice | None]:
    typed = text.strip()
    refused = Notice.of(key, low=low, high=high)
    if not typed or not typed.isascii() or not typed.isdigit() or len(typed) > PEOPLE_DIGITS:
        return 0, refused
    number = int(typed)
    return (number, None) if low <= number <= high else (0, refused)


# ----- the choice screens ---------------------------------------------------------------------


def choices(policy: GuestBookPolicy, list_name: str) -> list[str]:
    """The codes offered for a list, numbered from 1; "prefer not to say" last where the
    list is one the policy asks (the purpose is required)."""
    codes = list(policy.lists[list_name])
    return codes if list_name == "purpose" else [*codes, DECLINED]


def choice_label(policy: GuestBookPolicy, list_name: str, code: str, language: str) -> str:
    if code == DECLINED:
        return ""
    return policy.label(list_name, code, language)


def choice_rows(session: Session, policy: GuestBookPolicy) -> Mapping[str, Sequence[Row]]:
    """One row per choice: its label (in the patron's language), its number, and whether it
    is the answer given before (the patron chose Change)."""
    step = current_step(session, policy)
    given = answers(session).get(step)
    rows = []
    for number, code in enumerate(choices(policy, step), start=1):
        title = choice_label(policy, step, code, session.language)
        rows.append(
            Row(
                key=code,
                title=title,
                label=Notice("guestbook.declined", is_error=False) if code == DECLINED else None,
                details=(Notice.of("menu.key", is_error=False, number=number),),
                tone="done" if code == given else "info",
                action_name="pick",
            )
        )
    return {"choices": rows}


def pick(session: Session, policy: GuestBookPolicy, typed: str) -> str | None:
    """The code a typed number or a tapped choice names on the current step, or None."""
    offered = choices(policy, current_step(session, policy))
    if typed in offered:
        return typed
    if typed.isascii() and typed.isdigit() and 1 <= int(typed) <= len(offered):
        return offered[int(typed) - 1]
    return None


# ----- the confirmation -----------------------------------------------------------------------


def summary_rows(session: Session, policy: GuestBookPolicy) -> Mapping[str, Sequence[Row]]:
    """The answers as the confirmation screen lists them: the field's name and the answer
    (a typed one exactly as typed)."""
    given = answers(session)
    rows: list[Row] = []
    for step in steps(policy, kind(session)):
        value = given.get(step)
        label = Notice(f"guestbook.field.{step}", is_error=False)
        if step in TEXT_STEPS:
            if step == "people_male":
                rows.append(Row(step, str(value), label))
                women = int(str(given.get("people", 0))) - int(str(value or 0))
                female = Notice("guestbook.field.people_female", is_error=False)
                rows.append(Row("people_female", str(women), female))
                continue
            if value is None:
                rows.append(Row(step, "", label, (Notice("guestbook.skipped", is_error=False),)))
            else:
                rows.append(Row(step, str(value), label))
        elif value == DECLINED or value is None:
            rows.append(Row(step, "", label, (Notice("guestbook.declined", is_error=False),)))
        else:
            rows.append(Row(step, choice_label(policy, step, str(value), session.language), label))
    return {"answers": rows}


def visit(session: Session, policy: GuestBookPolicy) -> Visit:
    """The visit the form describes, for the store."""
    given = answers(session)

    def code(name: str) -> str | None:
        value = given.get(name)
        return None if value in (None, DECLINED) else str(value)

    name, institution = str(given["name"]), given.get("institution")
    institution_text = None if institution is None else str(institution)
    if kind(session) == VisitKind.GROUP:
        people = int(str(given["people"]))
        men = given.get("people_male")
        return Visit(
            VisitKind.GROUP,
            VisitSource.KIOSK,
            name=name,
            institution=institution_text,
            purpose=code("purpose"),
            people=people,
            people_male=None if men is None else int(str(men)),
            people_female=None if men is None else people - int(str(men)),
        )
    return Visit(
        VisitKind.GUEST,
        VisitSource.KIOSK,
        name=name,
        institution=institution_text,
        purpose=code("purpose"),
        sex=code("sex"),
        age_band=code("age_band"),
        education=code("education"),
        occupation=code("occupation"),
    )
