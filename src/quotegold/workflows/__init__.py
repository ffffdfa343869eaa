"""Workflows: what combines Label Studio calls with the pure stages (push, export, predict,
the team's commands). Only these and the CLI talk to the server."""
