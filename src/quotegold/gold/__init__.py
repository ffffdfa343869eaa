"""Gold records: the typed model, reading export and gold files, Label Studio annotations to
gold records and back, adjudication between annotators, and validation."""
