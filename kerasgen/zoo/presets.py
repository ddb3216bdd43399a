"""Zoo entries as plain data (KerasHub's presets.py habit). Metrics were measured on this
project's CPU machine by the command recorded with them; see zoo/<name>/README.md."""

PRESETS = {}

ALIASES = {}
