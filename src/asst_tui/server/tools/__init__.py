"""The tools runs call and the routes manage: the code-interpreter sandbox, file_search, vector stores and their ingest."""
