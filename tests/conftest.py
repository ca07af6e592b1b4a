"""Fixtures every test folder may use: a real PostgreSQL cluster (`pg_cluster`)."""

pytest_plugins = ["tests.postgres_cluster"]
