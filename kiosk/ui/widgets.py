"""Widgets the kv file cannot express alone."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout


class ItemRow(BoxLayout):
    """One scanned item: its title and, below, the due date or why it was refused."""

    title = StringProperty("")
    detail = StringProperty("")
    status = StringProperty("")


class ItemList(BoxLayout):
    """The scanned items, one row each (title, then due date or why not), in scan order.

    Rows are rebuilt when ``lines`` changes: a session holds a handful of items, so a
    RecycleView would buy nothing but variable-height trouble.
    """

    lines = ListProperty([])
    empty_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orientation = "vertical"
        self.size_hint_y = None
        self.bind(minimum_height=self.setter("height"))
        self.bind(lines=self._rebuild, empty_text=self._rebuild)

    def _rebuild(self, *_args: object) -> None:
        self.clear_widgets()
        if not self.lines:
            self.add_widget(Factory.EmptyRow(text=self.empty_text))
            return
        for line in self.lines:
            self.add_widget(ItemRow(**{k: line[k] for k in ("title", "detail", "status")}))
