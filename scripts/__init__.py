"""Scripts run by hand or by CI. Most are shell scripts; `bench` is a Python package, run from
the repository root as `.venv/bin/python -m scripts.bench`."""
