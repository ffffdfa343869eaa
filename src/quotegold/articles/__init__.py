"""Articles in: read and normalise them, flag boilerplate, write Label Studio task files."""
