"""Where the server keeps what it knows: the storage interface and its SQLite implementation (objects, chunk index, file bytes)."""
