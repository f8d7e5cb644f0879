"""The README's counter tables are valid config, and its line-protocol frame is valid."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from devices.counters.line_protocol import CounterFrame, LineParser
from kiosk import config

README = (Path(__file__).resolve().parents[4] / "README.md").read_text(encoding="utf-8")


def test_every_counter_table_in_the_readme_is_valid_config() -> None:
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", README, re.DOTALL) if "[counters." in b]
    assert len(blocks) >= 2  # the line protocol and the beams examples
    for block in blocks:
        cfg = config.from_mapping(tomllib.loads(block), source=None)
        assert cfg.counters


def test_the_readme_frame_checks_out() -> None:
    frame = re.search(r"`(\$IN=[^`]*)`", README)
    assert frame is not None
    assert LineParser().feed(frame.group(1).encode() + b"\r\n") == [CounterFrame(123, 45, "gate1")]
