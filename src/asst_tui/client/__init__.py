"""UI-free client of an Assistants v2 backend: the SDK client for a profile, run streams as neutral events, transcripts.

Imports openai, never textual, tui/, session/, commands/ or the server.
"""
