"""`asst-tui` without a subcommand: print the config locations, or run the app."""

from __future__ import annotations

import threading
from argparse import Namespace

from .. import paths


def run_tui(options: Namespace) -> int:
    if options.config_path:
        print(f"config:      {paths.config_file()}")
        print(f"registry:    {paths.registry_file()}")
        print(f"themes:      {paths.user_themes_dir()}")
        print(f"server data: {paths.server_data_dir()}")
        print(f"transcripts: {paths.transcripts_dir()} (unless transcripts_dir is set)")
        return 0
    from ..config import load_config
    from .gc_policy import hold_for_startup

    hold_for_startup()  # AsstApp.start() ends it, after the first frame
    config, problems = load_config()
    preparing = _prepare_images() if config.inline_images else None
    from .app import AsstApp

    if preparing is not None:
        preparing.join()
    AsstApp(config, problems, options).run()
    return 0


def _prepare_images() -> threading.Thread:
    """Ask the terminal how it draws images while the app's modules load (one round trip)."""
    from . import inline_images

    thread = threading.Thread(target=inline_images.prepare, name="asst-tui-images", daemon=True)
    thread.start()
    return thread
