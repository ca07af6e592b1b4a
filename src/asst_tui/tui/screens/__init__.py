"""The TUI's screens and dialogs: each one job (pick, edit, confirm, inspect), opened by the app's actions."""
