"""The PostgreSQL schema, versioned: every server brings its database to the current version when it starts.

`schema_version` holds one row, the number of steps applied. `migrate` runs the missing steps in one
transaction under a transaction-level advisory lock, so servers starting at once on one database take
turns: the first migrates, the others find the work done. A database newer than this code is refused
rather than misread. Nobody runs SQL by hand.

Objects are `json`, not `jsonb`: `json` keeps the text as written, so an answer's keys (and a user's
metadata) come back in the order they were stored, as on SQLite; `->>` reads fields from either.
Chunks carry a generated `tsvector` under a GIN index, in the `asst_english` configuration: English
stemming without a stopword list, like the SQLite index's porter tokenizer (stopwords are dropped from
queries by `search_terms`, not from the index), and accents removed first (`unaccent`, a trusted
extension of PostgreSQL's contrib, as SQLite's `remove_diacritics`) where the server has it.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from .errors import NewerDatabase

ADVISORY_LOCK_KEY = 0x61737374_7475  # "asst" "tu": the same key in every asst-tui server

WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"
Connection = psycopg.Connection[tuple[object, ...]]


def _search_configuration(conn: Connection) -> None:
    """`asst_english`: unaccent (when the server can install it) then English stemming, for every kind of word."""
    conn.execute("CREATE TEXT SEARCH DICTIONARY asst_english_stem (TEMPLATE = snowball, LANGUAGE = english)")
    conn.execute("CREATE TEXT SEARCH CONFIGURATION asst_english (COPY = english)")
    try:
        with conn.transaction():  # a savepoint: without the extension the migration goes on without it
            conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        dictionaries = "unaccent, asst_english_stem"
    except psycopg.Error:
        dictionaries = "asst_english_stem"
    conn.execute(f"ALTER TEXT SEARCH CONFIGURATION asst_english ALTER MAPPING FOR {WORD_TOKENS} WITH {dictionaries}")  # type: ignore[arg-type]


# Step i brings a database from version i to i + 1: SQL statements, or a function of the connection.
MIGRATIONS: list[list[str | Callable[[Connection], None]]] = [
    [
        """CREATE TABLE objects (
            seq bigserial PRIMARY KEY,
            id text NOT NULL UNIQUE,
            kind text NOT NULL,
            parent text,
            project text NOT NULL,
            data json NOT NULL
        )""",
        "CREATE INDEX objects_by_parent ON objects (project, kind, parent, seq)",
        "CREATE INDEX objects_by_kind ON objects (project, kind, seq)",
        "CREATE INDEX objects_children ON objects (parent)",
        _search_configuration,
        """CREATE TABLE chunks (
            id bigserial PRIMARY KEY,
            vector_store_id text NOT NULL,
            file_id text NOT NULL,
            ordinal integer NOT NULL,
            text text NOT NULL,
            terms tsvector GENERATED ALWAYS AS (to_tsvector('asst_english', text)) STORED
        )""",
        "CREATE INDEX chunks_by_file ON chunks (file_id, vector_store_id)",
        "CREATE INDEX chunks_by_store ON chunks (vector_store_id)",
        "CREATE INDEX chunks_terms ON chunks USING gin (terms)",
    ],
    [  # run coordination between server processes (pg_coordination.py)
        "CREATE SEQUENCE process_keys AS integer",
        "CREATE TABLE run_claims (run_id text PRIMARY KEY, thread_id text NOT NULL, project text NOT NULL, process integer NOT NULL)",
        "CREATE TABLE run_waits (run_id text PRIMARY KEY, thread_id text NOT NULL, project text NOT NULL, expires_at bigint NOT NULL)",
        "CREATE INDEX run_waits_by_expiry ON run_waits (expires_at)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: Connection, shown_url: str) -> int:
    """Bring the database to SCHEMA_VERSION (all missing steps in one transaction); the version it was at."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        version = int(row[0]) if row else 0  # type: ignore[call-overload]
        if version > SCHEMA_VERSION:
            raise NewerDatabase(
                f"The database {shown_url} has schema version {version}, newer than this asst-tui knows ({SCHEMA_VERSION}). "
                "Upgrade asst-tui, or start the server with another --database."
            )
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)  # type: ignore[arg-type]  # the code's own constants
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))
        elif version != SCHEMA_VERSION:
            conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))
    return version
