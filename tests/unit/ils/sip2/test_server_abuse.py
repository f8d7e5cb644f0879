"""Our SIP2 server against a hostile client (attacker trial, issue 9 findings M1 and M2):
connections that never log in cannot hold every slot, guessing passwords by reconnecting
costs the failed-login delay each time, and the log stays a few lines long."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from unit.ils.sip2.server_support import login, served, status

from kiosk.ils.sip2 import encode
from kiosk.ils.sip2.server.guard import ThrottledLog

LISTENER = "kiosk.ils.sip2.server.listener"


class ManualMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LISTENER and r.levelno >= level and "listening on" not in r.getMessage()
    ]


def test_connections_that_never_log_in_are_closed_and_free_their_slots(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with served(tmp_path, max_connections=2, login_timeout=0.3) as running:
        silent = running.connect()
        chatty = running.connect()
        assert chatty.ask(status()).code == "98"  # allowed before login, but no reprieve
        refused = running.connect()
        assert refused.closed()  # the server is full: both slots are taken
        assert silent.closed()  # closed at the login deadline, not the 300 s idle timeout
        for _ in range(200):  # status requests keep it busy, not logged in
            try:
                chatty.send(encode(status(), sequence=1))
                chatty.frame()
            except (ConnectionError, BrokenPipeError):
                break
            time.sleep(0.02)
        else:
            pytest.fail("a connection sending only 99s was never closed")
        for _ in range(100):  # the slots free when the closed connections' threads end
            machine = running.connect()
            try:
                if machine.login().fixed["ok"] == "1":
                    break
            except ConnectionError:
                time.sleep(0.02)
        else:
            pytest.fail("no self-check machine could log in after the silent ones")
        assert machine.ask(status()).code == "98"  # logged in: the deadline no longer applies
    assert any("did not log in (93) within 0.3 s" in line for line in lines(caplog))


def test_failed_logins_on_fresh_connections_each_wait_and_log_a_few_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    guesses = 0
    with served(tmp_path, monotonic=ManualMonotonic()) as running:
        for attempt in range(20):  # reconnecting after each 3 failures, as the trial did
            client = running.connect()
            for guess in range(3):
                client.send(encode(login(password=f"guess-{attempt}-{guess}"), sequence=1))
                assert client.frame().startswith(b"940")
                guesses += 1
            assert client.closed()
        assert running.connect().login().fixed["ok"] == "1"  # the right password still works
        slept = list(running.slept)
    assert slept == [1.0] * guesses  # every failed login waited the delay: 60 s for 60
    warnings = lines(caplog, logging.WARNING)
    assert len(warnings) == 2, warnings  # the first, then one summary (here at stop)
    assert "login refused for user 'kiosk'" in warnings[0]
    assert "59 more failed logins" in warnings[1]
    assert len(lines(caplog)) <= 4  # INFO too: not one line per connection


def test_throttled_lines_are_one_a_minute_with_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = ManualMonotonic()
    log = ThrottledLog(logging.getLogger(LISTENER), "SIP2 server: ", clock)
    for second in range(180):  # three minutes of one failed login a second
        clock.now = float(second)
        log.note("failed logins", f"10.0.0.9:{second} login refused")
        log.tick()
    clock.now = 180.0
    log.tick()
    log.note("failed logins", "10.0.0.9:9999 login refused")  # a new minute: at once
    written = lines(caplog)
    assert written == [  # 180 failures: the first, then three summaries, nothing lost
        "SIP2 server: 10.0.0.9:0 login refused",
        "SIP2 server: 60 more failed logins in the last 60 s; the latest: 10.0.0.9:60 login "
        "refused",
        "SIP2 server: 60 more failed logins in the last 60 s; the latest: 10.0.0.9:120 login "
        "refused",
        "SIP2 server: 59 more failed logins in the last 60 s; the latest: 10.0.0.9:179 login "
        "refused",
        "SIP2 server: 10.0.0.9:9999 login refused",
    ]
