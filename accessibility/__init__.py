"""Accessibility building blocks the kiosk UI reads: themes and text-size steps. No Kivy here."""
