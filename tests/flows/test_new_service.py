"""A new service is an addition: one new table, no edit to borrowing or the view-model.

GIVEN a throw-away "survey" service declared only in this file (two states, a timeout,
a text input mode and one command with its handler), WHEN it is passed to
``bootstrap.build`` next to the kiosk's own services, THEN a patron can choose it, type an
answer that runs as a command on the real worker thread, see the result on screen through
the generic view-model, time out back to the attract screen, and borrowing still works
exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from flows.harness import FlowKiosk

from kiosk.core.events import (
    Answer,
    CancelPressed,
    Command,
    Event,
    OkPressed,
    TextEntered,
)
from kiosk.core.navigation import InputMode, Service, StateSpec, after
from kiosk.core.services import SERVICES, navigation
from kiosk.core.services.borrow import BORROW
from kiosk.core.session import Notice, Ports, Session, transitions

ASK, THANKS = "survey.ask", "survey.thanks"


@dataclass(frozen=True)
class SaveAnswer(Command):
    answer: str


@dataclass(frozen=True)
class AnswerSaved(Answer):
    shown_as: str


def _start(session: Session, _card: str | None) -> list[Command]:
    session.go(ASK)
    return []


def _typed(session: Session, event: TextEntered) -> list[Command]:
    return [SaveAnswer(session.session_no, event.text)]


def _saved(session: Session, event: AnswerSaved) -> list[Command]:
    session.notice = Notice.of("scan.greeting", is_error=False, name=event.shown_as)
    session.go(THANKS)
    return []


def _end(session: Session, _event: Event) -> list[Command]:
    session.end()
    return []


def _thanks_texts(session: Session) -> Mapping[str, Notice]:
    return {"heading": session.notice} if session.notice else {}


def run_save_answer(_ports: Ports, command: SaveAnswer) -> Event:
    """Runs on the worker thread, like any ILS command."""
    return AnswerSaved(command.session_no, command.answer.strip().title())


SURVEY = Service(
    name="survey",
    start=_start,
    states={
        ASK: StateSpec(
            input=InputMode.TEXT,
            on={TextEntered: _typed, AnswerSaved: _saved, CancelPressed: _end},
            timeout=lambda _session: 30.0,
            warn=True,
        ),
        THANKS: StateSpec(
            input=InputMode.NONE,
            on={OkPressed: _end, CancelPressed: _end},
            timeout=after("summary"),
            texts=_thanks_texts,
        ),
    },
    commands={SaveAnswer: run_save_answer},
)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[FlowKiosk]:
    kiosk = FlowKiosk(tmp_path, services=(*SERVICES, SURVEY))
    yield kiosk
    kiosk.close()


def test_the_new_service_runs_end_to_end(kiosk: FlowKiosk) -> None:
    vm = kiosk.vm
    vm.choose("survey")
    assert (vm.screen, vm.input_mode) == ("survey.ask", "text")

    for char in "very good":  # letters are typed: the state's input mode is text
        kiosk.clock.advance(0.2)  # by a person, not in a scanner's burst
        vm.type_char(char)
    assert vm.entry_text == "very good"
    vm.submit()
    kiosk.settle()  # the command ran on the worker thread through the service's handler
    assert vm.screen == "survey.thanks"
    assert vm.state_texts["heading"] == "Halo, Very Good"

    vm.submit()  # Enter where nothing is typed is OK
    assert vm.screen == "idle" and vm.state_texts == {}


def test_the_new_service_times_out_with_a_warning(kiosk: FlowKiosk) -> None:
    vm = kiosk.vm
    vm.choose("survey")
    kiosk.wait(20)
    assert vm.warning_text.startswith("Masih di sana?")
    kiosk.wait(10)
    assert vm.screen == "idle"


def test_borrowing_is_untouched_by_the_new_service(kiosk: FlowKiosk) -> None:
    with_survey = transitions(navigation((*SERVICES, SURVEY)))
    without = transitions(navigation(SERVICES))
    assert {key: with_survey[key] for key in without} == without
    assert set(with_survey) - set(without) == {
        (state, event) for state, spec in SURVEY.states.items() for event in spec.on
    }
    assert BORROW in SERVICES and SURVEY not in SERVICES

    kiosk.scan("23171000000010")
    kiosk.type("1234")
    kiosk.scan("33171000000018")
    assert kiosk.vm.lines[0]["detail"] == "Kembalikan paling lambat 5 Desember 2026"
    assert [stored.loan.title for stored in kiosk.store.loans()] == ["Laskar Pelangi"]


def test_a_card_still_starts_borrowing_not_the_new_service(kiosk: FlowKiosk) -> None:
    kiosk.scan("23171000000010")
    assert kiosk.vm.screen == "borrow.pin"
