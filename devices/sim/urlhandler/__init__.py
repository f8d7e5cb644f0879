"""pyserial URL handlers for the simulators (``protocol_<scheme>`` modules, as pyserial expects)."""
