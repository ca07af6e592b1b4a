"""The base every layer of the server may use: object IDs, the API's object shapes, OpenAI-shaped errors, projects and the keys file."""
