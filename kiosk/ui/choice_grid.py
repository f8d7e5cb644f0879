"""Large numbered answer buttons for a choice screen (the guest book's purpose, age band...).

``ChoiceGrid.choices`` is a state's list of row dicts (``KioskViewModel.state_rows``): each
row becomes one :class:`ChoiceButton` with its text (the row's title, else its label), its
number (the row's detail: "Key 3") and whether it is the answer given before (tone
``done``). A button sends ``ActionChosen(action, key)`` (``app.vm.act`` in its kv rule),
the same event its number typed and sent with Enter makes.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout


class _Choice(ButtonBehavior, BoxLayout):
    """What both kinds of answer button have (each kind has its own kv rule)."""

    action = StringProperty("pick")
    key = StringProperty("")
    label = StringProperty("")
    hint = StringProperty("")
    key_text = StringProperty("")
    selected = BooleanProperty(False)
    ink = ListProperty([1.0, 1.0, 1.0, 1.0])  # its text colour, set by the kv rule
    fill = ListProperty([0.0, 0.0, 0.0, 1.0])  # its colour (the focus ring reads it too)


class ChoiceButton(_Choice):
    """One answer of a list, in one row: its words, then its key."""


class KindButton(_Choice):
    """One of a few large choices (member, guest, group): its name, a line on what it is
    for, and its key, one under the other."""


class ChoiceGrid(GridLayout):
    """One :class:`ChoiceButton` per row of ``choices``, rebuilt only when they change."""

    choices = ListProperty([])
    rows_made = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        self._shown: list[dict[str, Any]] = []
        super().__init__(**kwargs)
        self.bind(choices=self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        if self.choices == self._shown:
            return
        self._shown = list(self.choices)
        self.clear_widgets()
        for row in self.choices:
            self.add_widget(
                ChoiceButton(
                    key=row["key"],
                    action=row["action_name"] or "pick",
                    label=row["title"] or row["label"],
                    key_text=row["detail"],
                    selected=row["tone"] == "done",
                )
            )
            self.rows_made += 1
