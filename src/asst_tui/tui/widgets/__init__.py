"""The widgets of the main screen: chat pane, prompt, sidebar, status line, run panel and its tool calls."""
