"""UI-free session layer: start a backend for a profile, choose the assistant and thread, and drive one run's lifecycle.

The TUI and the commands both drive it; it imports client/, config, registry and the server package's
entry points, never textual, tui/ or commands/.
"""
