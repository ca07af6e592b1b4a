"""The PostgreSQL storage: objects and chunks in one database (`--database URL`), file bytes in a shared directory.

File bytes stay out of the database: uploads are streamed to disk and read back by path (the sandbox,
text extraction, downloads), and a directory every server process reaches (`--files-dir`) serves that
as it is, without holding hundreds of megabytes in the database's WAL and backups.
`open_postgres` checks the database and migrates it before the server runs (so a bad URL or an
unreachable database stops the start with a clear message), then hands out a pool that opens in the
server's event loop.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from .errors import DatabaseUnavailable
from .file_dir import FileDir
from .interface import Storage

INSTALL_HINT = "pip install 'asst-tui[postgres]'"
SCHEMES = ("postgresql", "postgres")


def shown_url(url: str) -> str:
    """The database URL without its password: safe to show and log."""
    parts = urlsplit(url)
    user, at, host = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}@{host}" if at else host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"], safe="/")
    return parts._replace(netloc=netloc, query=query).geturl()


def check_url(url: str) -> str:
    """The URL, if it names a PostgreSQL database (postgresql://...); else ValueError, which never shows the password."""
    if urlsplit(url).scheme not in SCHEMES:
        raise ValueError(f"--database takes a PostgreSQL URL like postgresql://user@host/dbname, got {shown_url(url)!r}")
    return url


def open_postgres(url: str, files_dir: Path) -> Storage:
    """Connect once to check the database, bring its schema to the current version, and build the storage on a pool."""
    try:
        import psycopg
    except ImportError:
        raise DatabaseUnavailable(f"The PostgreSQL store needs psycopg, which is not installed: {INSTALL_HINT}") from None
    from .pg_chunks import PgChunkIndex
    from .pg_errors import without_password
    from .pg_objects import PgProjects
    from .pg_pool import CONNECT_TIMEOUT_S, PgPool
    from .pg_schema import migrate

    check_url(url)
    password = urlsplit(url).password or dict(parse_qsl(urlsplit(url).query)).get("password")
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            migrate(conn, shown_url(url))
    except psycopg.Error as exc:
        reason = without_password(str(exc).strip(), password)
        raise DatabaseUnavailable(f"Can't use the database {shown_url(url)}: {reason}") from None
    pool = PgPool(url)
    return Storage(PgProjects(pool), PgChunkIndex(pool), FileDir(files_dir, shared=True))
