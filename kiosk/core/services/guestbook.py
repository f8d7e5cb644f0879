"""The guest book: every visitor signs in, members by their card, guests with a short form.

::

    guestbook.choose --1 member / a card scanned--> guestbook.member --card--> (ILS, store)
         |  2 guest, 3 group (the leader)                       |          --> guestbook.done
         v                                                      v unknown / expired card
    guestbook.name -> .institution -> [.people -> .people_male] -> guestbook.not_member
    -> guestbook.choice (purpose, then each list the policy asks) -> guestbook.confirm
    --Save--> (store) --> guestbook.done;  Change: back to the name, answers kept

A member's card is identified without a PIN (:meth:`IlsBackend.identify_patron`) and the
visit is stored by the card's keyed hash (:class:`~kiosk.core.ports.VisitLog`), both on
the worker; an ILS that does not answer still counts the visit, greeted without the name.
The same visitor again within the policy's repeat window is told so, and nothing is
stored. What a guest typed lives only in ``session.service_data``; it is never logged.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.core.events import (
    ActionChosen,
    BarcodeScanned,
    CancelPressed,
    Command,
    CommandFailed,
    Event,
    OkPressed,
    ServiceChosen,
    TextEntered,
)
from kiosk.core.model import BarcodeKind
from kiosk.core.navigation import Handler, InputMode, Service, StateSpec, after
from kiosk.core.services import guestbook_form as form
from kiosk.core.services.guestbook_record import (
    IdentifyMember,
    Outcome,
    RecordVisit,
    VisitDone,
    run_identify_member,
    run_record_visit,
)
from kiosk.core.session import Notice, Session
from kiosk.core.visits import GuestBookPolicy, VisitKind

NAME = "guestbook"
CHOOSE, MEMBER, NOT_MEMBER = "guestbook.choose", "guestbook.member", "guestbook.not_member"
CHOICE, CONFIRM, DONE = "guestbook.choice", "guestbook.confirm", "guestbook.done"
KINDS = (VisitKind.MEMBER, VisitKind.GUEST, VisitKind.GROUP)
"""The first screen's choices, numbered 1-3 (the group only where the policy offers it)."""


# ----- the service -------------------------------------------------------------------------------


def guestbook_service(policy: GuestBookPolicy) -> Service:
    """The guest-book service for a library's ``[guestbook]`` policy."""

    def start(session: Session, card: str | None) -> list[Command]:
        if card is not None:
            return _identify(session, card)
        session.go(CHOOSE)
        return []

    def offered() -> list[str]:
        return [kind for kind in KINDS if kind != VisitKind.GROUP or policy.groups]

    def choose_kind(session: Session, chosen: str) -> list[Command]:
        if chosen not in offered():
            return []
        session.notice = None
        if chosen == VisitKind.MEMBER:
            session.go(MEMBER)
            return []
        session.service_data = {form.KIND: chosen, form.STEP: 0, form.ANSWERS: {}}
        return go_step(session, 0)

    def choose_scan(session: Session, event: BarcodeScanned) -> list[Command]:
        text = event.text.strip()
        kinds = offered()
        if len(text) == 1 and text.isdigit() and 1 <= int(text) <= len(kinds):
            return choose_kind(session, kinds[int(text) - 1])
        return member_scan(session, event)

    def choose_action(session: Session, event: ActionChosen) -> list[Command]:
        return choose_kind(session, event.key) if event.action == "kind" else []

    def member_scan(session: Session, event: BarcodeScanned) -> list[Command]:
        if session.busy:
            return []
        code, kind = session.classify(event.text)
        if kind is BarcodeKind.PATRON:
            return _identify(session, code)
        if code:
            session.notice = Notice("guestbook.not_a_card")
        return []

    def go_step(session: Session, index: int) -> list[Command]:
        session.service_data[form.STEP] = index
        session.notice = None
        form_steps = form.steps(policy, form.kind(session))
        if index >= len(form_steps):
            session.go(CONFIRM)
            return []
        step = form_steps[index]
        session.go(f"guestbook.{step}" if step in form.TEXT_STEPS else CHOICE)
        return []

    def next_step(session: Session) -> list[Command]:
        return go_step(session, int(str(session.service_data.get(form.STEP, 0))) + 1)

    def typed(session: Session, event: TextEntered) -> list[Command]:
        step = form.current_step(session, policy)
        value, problem = form.check_typed(session, step, event.text)
        if problem is not None:
            session.notice = problem
            return []
        form.answers(session)[step] = value
        if step == "people":
            men = form.answers(session).get("people_male")
            if men is not None and int(str(men)) > int(str(value)):
                del form.answers(session)["people_male"]  # no longer adds up: asked again
        return next_step(session)

    def skip(session: Session, event: ActionChosen) -> list[Command]:
        # Only an optional field has Skip: a guest's institution.
        if event.action != "skip" or form.current_step(session, policy) != "institution":
            return []
        if form.kind(session) == VisitKind.GROUP:
            return []
        form.answers(session)["institution"] = None
        return next_step(session)

    def picked(session: Session, code: str | None) -> list[Command]:
        if code is None:
            session.notice = Notice("guestbook.pick_one")
            return []
        form.answers(session)[form.current_step(session, policy)] = code
        return next_step(session)

    def choice_scan(session: Session, event: BarcodeScanned) -> list[Command]:
        return picked(session, form.pick(session, policy, event.text.strip()))

    def choice_action(session: Session, event: ActionChosen) -> list[Command]:
        if event.action != "pick":
            return []
        return picked(session, form.pick(session, policy, event.key))

    def save(session: Session, _event: Event) -> list[Command]:
        if session.busy:
            return []
        return [RecordVisit(session.session_no, form.visit(session, policy))]

    def confirm_action(session: Session, event: ActionChosen) -> list[Command]:
        if event.action == "save":
            return save(session, event)
        if event.action == "change" and not session.busy:
            return go_step(session, 0)
        return []

    def choose_texts(_session: Session) -> Mapping[str, Notice]:
        return {"group": Notice("guestbook.kind.group", is_error=False)} if policy.groups else {}

    def step_texts(session: Session) -> Mapping[str, Notice]:
        step = form.current_step(session, policy)
        slots = {
            "question": Notice(f"guestbook.ask.{step}", is_error=False),
            "kind": Notice(f"guestbook.kind.{form.kind(session)}", is_error=False),
        }
        kept = form.answers(session).get(step)
        if step in form.TEXT_STEPS and kept is not None:
            # A number is typed on the keypad, whose button is OK, not the keyboard's Next.
            key = "guestbook.kept" if step in ("name", "institution") else "guestbook.kept_number"
            slots["kept"] = Notice.of(key, is_error=False, answer=str(kept))
        if step == "institution" and form.kind(session) == VisitKind.GUEST:
            slots["skip"] = Notice("guestbook.skip", is_error=False)  # optional for a guest
        if step == "people_male":
            people = int(str(form.answers(session).get("people", 0)))
            slots["question"] = Notice.of(
                "guestbook.ask.people_male", is_error=False, people=people
            )
        return slots

    def text_state(step: str) -> StateSpec:
        on: dict[type[Event], Handler] = {
            TextEntered: typed,
            ActionChosen: skip,
            CancelPressed: _end,
        }
        return StateSpec(
            input=InputMode.TEXT,
            on=on,
            timeout=after("idle"),
            warn=True,
            texts=step_texts,
            entry_limit=form.LIMITS[step],
        )

    def done_texts(session: Session) -> Mapping[str, Notice]:
        return {"welcome": session.notice} if session.notice else {}

    def visit_done(session: Session, event: VisitDone) -> list[Command]:
        notice = _done_notice(session, event, policy)
        if event.outcome in (Outcome.UNKNOWN, Outcome.EXPIRED):
            session.notice = notice
            session.go(NOT_MEMBER)
            return []
        if event.outcome == Outcome.NOT_STORED:
            session.fail(notice)
            return []
        session.forget_patron()  # the greeting keeps the name; the form's answers go now
        session.notice = notice
        session.go(DONE)
        return []

    def failed(session: Session, _event: CommandFailed) -> list[Command]:
        session.fail(Notice("guestbook.not_stored"))
        return []

    def to_guest_form(session: Session, _event: Event) -> list[Command]:
        return choose_kind(session, VisitKind.GUEST)

    def not_member_action(session: Session, event: ActionChosen) -> list[Command]:
        return to_guest_form(session, event) if event.action == "guest" else []

    def next_visitor(session: Session, event: BarcodeScanned) -> list[Command]:
        # Members queueing at the guest book: the next card is the next member's visit.
        code, kind = session.classify(event.text)
        if kind is BarcodeKind.PATRON:
            return session.start(NAME, code)
        return session.restart_with(event)

    waiting: dict[type[Event], Handler] = {VisitDone: visit_done, CommandFailed: failed}
    states = {
        CHOOSE: StateSpec(
            input=InputMode.BARCODE,
            on={
                BarcodeScanned: choose_scan,
                ActionChosen: choose_action,
                CancelPressed: _end,
                **waiting,
            },
            timeout=after("idle"),
            warn=True,
            texts=choose_texts,
        ),
        MEMBER: StateSpec(
            input=InputMode.BARCODE,
            on={BarcodeScanned: member_scan, CancelPressed: _end, **waiting},
            timeout=after("idle"),
            warn=True,
        ),
        NOT_MEMBER: StateSpec(
            input=InputMode.BARCODE,
            on={
                BarcodeScanned: member_scan,
                ActionChosen: not_member_action,
                CancelPressed: _end,
                **waiting,
            },
            timeout=after("idle"),
            warn=True,
            texts=lambda session: {"message": session.notice} if session.notice else {},
        ),
        **{f"guestbook.{step}": text_state(step) for step in form.TEXT_STEPS},
        CHOICE: StateSpec(
            input=InputMode.BARCODE,
            on={BarcodeScanned: choice_scan, ActionChosen: choice_action, CancelPressed: _end},
            timeout=after("idle"),
            warn=True,
            texts=step_texts,
            rows=lambda session: form.choice_rows(session, policy),
        ),
        CONFIRM: StateSpec(
            input=InputMode.NONE,
            on={OkPressed: save, ActionChosen: confirm_action, CancelPressed: _end, **waiting},
            timeout=after("idle"),
            warn=True,
            texts=lambda session: {
                "kind": Notice(f"guestbook.kind.{form.kind(session)}", is_error=False)
            },
            rows=lambda session: form.summary_rows(session, policy),
        ),
        DONE: StateSpec(
            input=InputMode.BARCODE,
            on={
                OkPressed: _end,
                CancelPressed: _end,
                BarcodeScanned: next_visitor,
                ServiceChosen: _next_patron,
            },
            timeout=after("summary"),
            texts=done_texts,
        ),
    }
    return Service(
        name=NAME,
        states=states,
        start=start,
        commands={IdentifyMember: run_identify_member, RecordVisit: run_record_visit},
    )


def _identify(session: Session, card: str) -> list[Command]:
    session.card = card
    session.notice = None
    return [IdentifyMember(session.session_no, card)]


def _done_notice(session: Session, event: VisitDone, policy: GuestBookPolicy) -> Notice:
    if event.outcome == Outcome.UNKNOWN:
        return Notice("guestbook.unknown_card").followed_by(Notice("guestbook.offer_form"))
    if event.outcome == Outcome.EXPIRED:
        return Notice("guestbook.expired_card").followed_by(Notice("guestbook.offer_form"))
    if event.outcome == Outcome.NOT_STORED:
        return Notice("guestbook.not_stored")
    if event.outcome == Outcome.REPEAT:
        return repeat_notice(policy.repeat_window_minutes)
    if session.service_data.get(form.KIND) is None:  # a member
        if event.name:
            return Notice.of("guestbook.welcome_member", is_error=False, name=event.name)
        return Notice("guestbook.welcome_member_unnamed", is_error=False)
    given = form.answers(session)
    if form.kind(session) == VisitKind.GROUP:
        people = int(str(given["people"]))
        return Notice.of(
            "guestbook.thanks_group", is_error=False, name=str(given["name"]), people=people
        )
    return Notice.of("guestbook.thanks_guest", is_error=False, name=str(given["name"]))


def repeat_notice(window_minutes: int) -> Notice:
    """ "Already counted", in words that fit the repeat window: today, or the last hours."""
    if window_minutes >= 24 * 60:
        return Notice("guestbook.already_today", is_error=False)
    if window_minutes % 60 == 0:
        return Notice.of("guestbook.already_hours", is_error=False, hours=window_minutes // 60)
    return Notice.of("guestbook.already_minutes", is_error=False, minutes=window_minutes)


def _end(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


def _next_patron(session: Session, event: Event) -> list[Command]:
    return session.restart_with(event)
