"""Settings, built in one place: flags, then environment, then `.env`, then the local server.

The API key is never printed: `Settings.__repr__` masks it.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from quotegold.errors import SettingsError

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_DATA_DIR = Path(".labelstudio")
CREDENTIALS_FILE = "quotegold-credentials.json"
# Label Studio builds the whole export before it sends a byte: about 4-5 s per 1,000
# annotated tasks here, so 100,000 tasks take 7-8 minutes. An hour leaves room for a slower
# server or bigger tasks, yet a stuck one is still noticed the same day.
DEFAULT_EXPORT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Settings:
    """Where Label Studio is and how to reach it."""

    url: str
    api_key: str | None = field(repr=False)
    data_dir: Path
    # Where the key came from, so error messages can tell the user what to change.
    api_key_source: str = "none"
    # Seconds to wait for the project export's data; other requests keep the client's own.
    export_timeout: float = DEFAULT_EXPORT_TIMEOUT

    def require_api_key(self) -> str:
        """The API key, or a SettingsError that says how to provide one."""
        if not self.api_key:
            raise SettingsError(
                "no Label Studio API key: set LABEL_STUDIO_API_KEY (in the environment or in "
                "a .env file), pass --api-key, or start the local server with `quotegold serve`"
            )
        return self.api_key


def read_credentials(data_dir: Path) -> dict[str, str]:
    """The credentials `quotegold serve` recorded for its local server, or {} if none."""
    path = data_dir / CREDENTIALS_FILE
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(
            f"{path}: cannot read the local server's credentials ({exc}); "
            "delete the file and the data dir to start afresh, or set LABEL_STUDIO_API_KEY"
        ) from exc
    if not isinstance(loaded, dict):
        raise SettingsError(f"{path}: expected a JSON object; delete it and run `quotegold serve`")
    return {str(key): str(value) for key, value in loaded.items()}


def load_settings(
    *,
    url: str | None = None,
    api_key: str | None = None,
    data_dir: Path | None = None,
    export_timeout: float | str | None = None,
    env_file: Path = Path(".env"),
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build settings from flags, then environment, then `.env`, then the local server's record."""
    environ = dict(os.environ) if environ is None else environ
    dotenv = {k: v for k, v in dotenv_values(env_file).items() if v} if env_file.is_file() else {}

    def pick(flag: str | None, name: str) -> tuple[str | None, str]:
        # Sources read in messages: "refused the API key from the command-line flag".
        if flag:
            return flag, "the command-line flag"
        if environ.get(name):
            return environ[name], "the environment"
        if dotenv.get(name):
            return dotenv[name], str(env_file)
        return None, "none"

    data_dir_value, _ = pick(str(data_dir) if data_dir else None, "QUOTEGOLD_DATA_DIR")
    resolved_data_dir = Path(data_dir_value) if data_dir_value else DEFAULT_DATA_DIR
    url_value, url_source = pick(url, "LABEL_STUDIO_URL")
    key_value, key_source = pick(api_key, "LABEL_STUDIO_API_KEY")

    local = read_credentials(resolved_data_dir)
    # The local server's record only fills what the user did not set, and only as a pair
    # when no URL was given: a key for one server is useless against another.
    if key_value is None and local.get("api_key") and url_value in (None, local.get("url")):
        key_value, key_source = local["api_key"], str(resolved_data_dir / CREDENTIALS_FILE)
    # Without a URL, the local server is meant (with its key, or with one given: --api-key
    # alone), not a default port where it may not be.
    url_value = url_value or local.get("url")

    final_url = (url_value or DEFAULT_URL).rstrip("/")
    if not final_url.startswith(("http://", "https://")):
        raise SettingsError(
            f"LABEL_STUDIO_URL {final_url!r} (from {url_source}) is not an http(s) URL; "
            "use a value like http://127.0.0.1:8080"
        )
    timeout_flag = None if export_timeout is None else str(export_timeout)
    timeout_value, timeout_source = pick(timeout_flag, "QUOTEGOLD_EXPORT_TIMEOUT")
    seconds = (
        DEFAULT_EXPORT_TIMEOUT if timeout_value is None else _seconds(timeout_value, timeout_source)
    )
    return Settings(
        url=final_url,
        api_key=key_value,
        data_dir=resolved_data_dir,
        api_key_source=key_source,
        export_timeout=seconds,
    )


def _seconds(value: str, source: str) -> float:
    """The export timeout as a positive, finite number of seconds."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise SettingsError(
            f"export download timeout {value!r} (from {source}) is not a number of seconds "
            "above 0; give e.g. --download-timeout 7200 or QUOTEGOLD_EXPORT_TIMEOUT=7200"
        )
    return seconds
