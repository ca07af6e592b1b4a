"""asst-tui: a terminal client and embedded server for the OpenAI Assistants API v2 protocol."""

__version__ = "0.1.0"
