"""`python -m quotegold`: the same as the `quotegold` command."""

from quotegold.cli import app

if __name__ == "__main__":
    app(prog_name="quotegold")
