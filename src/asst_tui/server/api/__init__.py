"""The HTTP layer: Starlette routes per resource, request validation, OpenAI-shaped error responses, the /v1 prefix and key check, SSE."""
