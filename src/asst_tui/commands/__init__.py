"""The non-interactive subcommands, one module each (send, export, threads, assistant, serve), and what they share (support)."""
