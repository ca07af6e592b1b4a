"""`asst-tui` without a subcommand: print the config locations, or run the app."""

from __future__ import annotations

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
    from .app import AsstApp

    config, problems = load_config()
    AsstApp(config, problems, options).run()
    return 0
