"""The embedded Assistants v2 server.

`start_server(ServerConfig(...))` runs it in a background thread and returns a handle with
`base_url` and `stop()`; `asst-tui serve` runs it in the foreground. Importing this package is cheap.
"""

from .config import ServerConfig, local_engine
from .embed import EmbeddedServer, start_server

__all__ = ["EmbeddedServer", "ServerConfig", "local_engine", "start_server"]
