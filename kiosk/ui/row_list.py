"""A state's list of rows (an account's loans, holds, fines), each with an optional button.

``RowList.rows`` is a list of the view-model's row dicts (see ``KioskViewModel.
state_rows``). A row whose dict is equal to the one drawn is left alone; a new key gets a
widget, a vanished key loses its widget, so a refresh costs nothing when nothing changed
and nothing of a row stays in the widget tree once it is gone.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.ui.widgets import show_empty_row, tap_scroll

ROW_FIELDS = ("key", "title", "label", "detail", "tone", "action", "action_name")


class ActionRow(BoxLayout):
    """One row: the word for its state, its title, its details and, if it has one, a large
    button on the right (drawn by the kv rule in ``screens/account.kv``)."""

    key = StringProperty("")
    title = StringProperty("")
    label = StringProperty("")
    detail = StringProperty("")
    tone = StringProperty("info")  # done, refused, info, pending
    action = StringProperty("")  # the button's text; '' for no button
    action_name = StringProperty("")
    tone_colour = ListProperty([0.0, 0.0, 0.0, 1.0])  # set by the kv rule from the theme


class RowList(BoxLayout):
    """Rows in order, or ``empty_text`` when there are none (nothing when that is '')."""

    rows = ListProperty([])
    empty_text = StringProperty("")
    rows_made = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        self._widgets: dict[str, tuple[dict[str, Any], ActionRow]] = {}
        self._empty: Widget | None = None
        super().__init__(**kwargs)
        self.orientation = "vertical"
        self.size_hint_y = None
        self.bind(minimum_height=self.setter("height"))
        self.bind(rows=self._update, empty_text=self._update)
        self._update()
        self.height = self.minimum_height  # an empty list takes no room (not Kivy's 100 px)

    def _update(self, *_args: object) -> None:
        wanted = {row["key"] for row in self.rows}
        for key in [key for key in self._widgets if key not in wanted]:
            self.remove_widget(self._widgets.pop(key)[1])
        order: list[Widget] = []
        for row in self.rows:
            known = self._widgets.get(row["key"])
            if known is None:
                widget = ActionRow(**{name: row[name] for name in ROW_FIELDS})
                self.rows_made += 1
            else:
                old, widget = known
                if old != row:
                    for name in ROW_FIELDS:
                        setattr(widget, name, row[name])
            self._widgets[row["key"]] = (row, widget)
            order.append(widget)
        shown = [child for child in reversed(self.children) if child is not self._empty]
        if shown != order:  # (Kivy keeps children bottom-first)
            self.clear_widgets()
            self._empty = None
            for widget in order:
                self.add_widget(widget)
        self._show_empty(not self.rows and bool(self.empty_text))

    def _show_empty(self, empty: bool) -> None:
        self._empty = show_empty_row(self, self._empty, empty, self.empty_text)


class ScrollButtons(BoxLayout):
    """The Up and Down buttons of a :class:`TapScroll` (drawn by its kv rule)."""


class TapScroll(BoxLayout):
    """A scroll view with large Up and Down buttons beside it, shown only when its content
    is taller than the view: a long list is read with taps, never by dragging.

    Its content (one widget, given in kv as its child) goes into the scroll view. Each tap
    moves by most of the view's height, so a line at the edge stays in sight.
    """

    can_scroll = BooleanProperty(False)
    bar_color = ListProperty([0.4, 0.4, 0.4, 1.0])
    """The scroll bar's colour (the kv rule gives the theme's), handed to the view."""
    bar_width = NumericProperty(8.0)

    def __init__(self, **kwargs: Any) -> None:
        from kivy.uix.scrollview import ScrollView

        # Made before the kv rules run, so the content they add goes into it.
        self.view = ScrollView(do_scroll_x=False, scroll_type=["bars"], always_overscroll=False)
        self.bind(bar_color=self._paint_bar, bar_width=self._paint_bar)
        super().__init__(**kwargs)
        super().add_widget(self.view, index=len(self.children))  # left of the buttons
        self.view.bind(height=self._check, viewport_size=self._check)

    def add_widget(self, widget: Widget, *args: Any, **kwargs: Any) -> None:
        if widget is self.view or isinstance(widget, ScrollButtons):
            super().add_widget(widget, *args, **kwargs)
        else:
            self.view.add_widget(widget, *args, **kwargs)

    def _paint_bar(self, *_args: object) -> None:
        # Kivy's default bar is a thin grey line a patron does not notice, and fades out.
        self.view.bar_color = self.bar_color
        self.view.bar_inactive_color = self.bar_color
        self.view.bar_width = self.bar_width

    def _check(self, *_args: object) -> None:
        self.can_scroll = self.view.viewport_size[1] > self.view.height + 1
        if not self.can_scroll:
            self.view.scroll_y = 1.0

    def scroll(self, direction: int) -> None:
        """One step up (+1) or down (-1)."""
        tap_scroll(self.view, direction)
