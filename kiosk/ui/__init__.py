"""Kivy screens bound to the view-model. Imports kiosk.core and Kivy only."""
