"""Speech for the kiosk: the port the kiosk talks to (``output``) and the service behind it."""
