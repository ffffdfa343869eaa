"""The PostgreSQL database a team's Label Studio runs on, as Label Studio's settings name it.

`scripts/postgres start` makes a private database and writes its settings to a file that
`DatabaseSettings.from_env_file` reads; `from_environ` reads them from the environment the
way Label Studio does. The password never shows in a repr, a URL or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from quotegold.errors import ServerError

# The PostgreSQL settings Label Studio 1.23 reads (label_studio/core/settings/base.py), in
# the order of DatabaseSettings' fields. DJANGO_DB=default selects them; unset means SQLite.
_POSTGRES_NAMES = tuple(f"POSTGRE_{part}" for part in ("NAME", "USER", "PASSWORD", "HOST", "PORT"))
_POSTGRES_SELECTORS = frozenset({"default", "postgresql"})


@dataclass(frozen=True)
class DatabaseSettings:
    """A PostgreSQL database for Label Studio: where it listens and the role that owns it."""

    name: str
    user: str
    password: str = field(repr=False)
    host: str
    port: int

    @classmethod
    def from_env_file(cls, path: Path) -> DatabaseSettings:
        """Read the file `scripts/postgres start` writes (`export POSTGRE_NAME=...` lines)."""
        if not path.is_file():
            raise ServerError(
                f"no PostgreSQL settings at {path}; run `scripts/postgres start` to make the "
                "database and that file, or give the path of the file it wrote"
            )
        try:
            values = dotenv_values(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ServerError(f"cannot read the PostgreSQL settings in {path}: {exc}") from exc
        return cls._from_values({k: v for k, v in values.items() if v is not None}, str(path))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> DatabaseSettings | None:
        """The PostgreSQL settings in `environ` if DJANGO_DB selects PostgreSQL; None for SQLite.

        Names are looked up the way Label Studio does: LABEL_STUDIO_NAME, HEARTEX_NAME, NAME.
        """
        selector = _label_studio_setting(environ, "DJANGO_DB")
        if selector in (None, "", "sqlite"):
            return None
        if selector not in _POSTGRES_SELECTORS:
            raise ServerError(
                f"DJANGO_DB is {selector!r}: the local Label Studio runs on SQLite (DJANGO_DB "
                "unset) or PostgreSQL (DJANGO_DB=default, with the POSTGRE_* settings)"
            )
        return cls._from_values(environ, "the environment")

    @classmethod
    def _from_values(cls, values: Mapping[str, str], source: str) -> DatabaseSettings:
        found = {name: _label_studio_setting(values, name) for name in _POSTGRES_NAMES}
        missing = [name for name, value in found.items() if not value]
        if missing:
            raise ServerError(
                f"{source} lacks {', '.join(missing)} for PostgreSQL; "
                "`scripts/postgres env` prints the settings of the local one"
            )
        name, user, password, host, port = (str(found[name]) for name in _POSTGRES_NAMES)
        if not (port.isdigit() and 0 < int(port) < 65536):
            raise ServerError(f"POSTGRE_PORT in {source} is {port!r}, not a port number")
        return cls(name=name, user=user, password=password, host=host, port=int(port))

    @property
    def url(self) -> str:
        """Where the database is, without the password (safe to show and to log)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"

    def server_env(self) -> dict[str, str]:
        """The environment that points Label Studio at this database."""
        values = (self.name, self.user, self.password, self.host, str(self.port))
        return {"DJANGO_DB": "default", **dict(zip(_POSTGRES_NAMES, values, strict=True))}


def _label_studio_setting(values: Mapping[str, str], name: str) -> str | None:
    for key in (f"LABEL_STUDIO_{name}", f"HEARTEX_{name}", name):
        if key in values:
            return values[key]
    return None
