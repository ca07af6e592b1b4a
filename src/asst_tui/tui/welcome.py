"""The note shown in a fresh thread: what the offline demo engine understands."""

WELCOME = """\
**Welcome to asst-tui.** You are talking to the embedded Assistants v2 server and its offline
*demo* engine. Type a message and press **Enter** (**Ctrl+J** adds a line). The demo understands:

- a fenced `python` block: runs it in the code interpreter (the run panel, **Ctrl+B**, shows code and logs)
- `get_current_temperature {"location": "Paris", "unit": "celsius"}`: a function call that you answer
- `/lorem 300`: a long Markdown reply, streamed
- `/fail server_error` and `/incomplete`: runs that go wrong

**F1** lists every key; **Ctrl+P** opens the command palette.
"""
