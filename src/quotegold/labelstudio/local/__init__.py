"""A local Label Studio for one machine: start and stop it, its processes and its database."""
