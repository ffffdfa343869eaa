"""Settings come from flags, then environment, then .env, then the local server's record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotegold.errors import SettingsError
from quotegold.settings import (
    CREDENTIALS_FILE,
    DEFAULT_EXPORT_TIMEOUT,
    DEFAULT_URL,
    load_settings,
)


def write_credentials(data_dir: Path, url: str, key: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / CREDENTIALS_FILE).write_text(json.dumps({"url": url, "api_key": key}))


@pytest.mark.parametrize(
    ("flag", "environ", "dotenv", "expected", "source"),
    [
        ("from-flag", {"LABEL_STUDIO_API_KEY": "from-env"}, "from-dotenv", "from-flag", "flag"),
        (None, {"LABEL_STUDIO_API_KEY": "from-env"}, "from-dotenv", "from-env", "environment"),
        (None, {}, "from-dotenv", "from-dotenv", ".env"),
        (None, {}, None, None, "none"),
    ],
)
def test_api_key_precedence(
    tmp_path: Path,
    flag: str | None,
    environ: dict[str, str],
    dotenv: str | None,
    expected: str | None,
    source: str,
) -> None:
    env_file = tmp_path / ".env"
    if dotenv:
        env_file.write_text(f"LABEL_STUDIO_API_KEY={dotenv}\n")
    settings = load_settings(
        api_key=flag, environ=environ, env_file=env_file, data_dir=tmp_path / "none"
    )
    assert settings.api_key == expected
    assert settings.api_key_source.endswith(source)


def test_key_is_never_in_repr(tmp_path: Path) -> None:
    settings = load_settings(api_key="s3cret-token", environ={}, env_file=tmp_path / ".env")
    assert "s3cret-token" not in repr(settings)
    assert "s3cret-token" not in str(settings)


def test_local_server_credentials_fill_url_and_key(tmp_path: Path) -> None:
    write_credentials(tmp_path, "http://127.0.0.1:9999", "local-key")
    settings = load_settings(environ={}, env_file=tmp_path / ".env", data_dir=tmp_path)
    assert (settings.url, settings.api_key) == ("http://127.0.0.1:9999", "local-key")


def test_an_api_key_without_a_url_goes_to_the_local_server(tmp_path: Path) -> None:
    write_credentials(tmp_path, "http://127.0.0.1:9999", "local-key")
    settings = load_settings(
        api_key="my-key", environ={}, env_file=tmp_path / ".env", data_dir=tmp_path
    )
    assert (settings.url, settings.api_key) == ("http://127.0.0.1:9999", "my-key")
    assert settings.api_key_source == "the command-line flag"
    # Without a local server on record, the default URL, as before.
    elsewhere = load_settings(
        api_key="my-key", environ={}, env_file=tmp_path / ".env", data_dir=tmp_path / "none"
    )
    assert elsewhere.url == DEFAULT_URL


def test_local_key_is_not_sent_to_another_server(tmp_path: Path) -> None:
    write_credentials(tmp_path, "http://127.0.0.1:9999", "local-key")
    settings = load_settings(
        environ={"LABEL_STUDIO_URL": "https://ls.example.org"},
        env_file=tmp_path / ".env",
        data_dir=tmp_path,
    )
    assert settings.api_key is None
    with pytest.raises(SettingsError, match="LABEL_STUDIO_API_KEY"):
        settings.require_api_key()


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ={}, env_file=tmp_path / ".env", data_dir=tmp_path)
    assert settings.url == DEFAULT_URL
    assert settings.export_timeout == DEFAULT_EXPORT_TIMEOUT == 3600


@pytest.mark.parametrize(
    ("flag", "environ", "dotenv", "expected"),
    [
        ("90", {"QUOTEGOLD_EXPORT_TIMEOUT": "120"}, "150", 90.0),
        (7200.0, {}, None, 7200.0),
        (None, {"QUOTEGOLD_EXPORT_TIMEOUT": "1.5"}, "150", 1.5),
        (None, {}, "150", 150.0),
        (None, {"QUOTEGOLD_EXPORT_TIMEOUT": ""}, None, DEFAULT_EXPORT_TIMEOUT),
    ],
)
def test_export_timeout_precedence(
    tmp_path: Path,
    flag: str | float | None,
    environ: dict[str, str],
    dotenv: str | None,
    expected: float,
) -> None:
    env_file = tmp_path / ".env"
    if dotenv:
        env_file.write_text(f"QUOTEGOLD_EXPORT_TIMEOUT={dotenv}\n")
    settings = load_settings(
        export_timeout=flag, environ=environ, env_file=env_file, data_dir=tmp_path
    )
    assert settings.export_timeout == expected


@pytest.mark.parametrize("bad", ["-5", "0", "abc", "1h", "nan", "inf", -1.0])
@pytest.mark.parametrize("source", ["command-line flag", "environment"])
def test_bad_export_timeout_is_a_clear_error(tmp_path: Path, bad: str | float, source: str) -> None:
    from_flag = source == "command-line flag"
    with pytest.raises(SettingsError) as raised:
        load_settings(
            export_timeout=bad if from_flag else None,
            environ={} if from_flag else {"QUOTEGOLD_EXPORT_TIMEOUT": str(bad)},
            env_file=tmp_path / ".env",
            data_dir=tmp_path,
        )
    message = str(raised.value)
    assert f"timeout {str(bad)!r} (from the {source})" in message
    assert "--download-timeout" in message and "QUOTEGOLD_EXPORT_TIMEOUT" in message


@pytest.mark.parametrize("bad", ["localhost:8080", "ftp://x", "127.0.0.1"])
def test_malformed_url_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    with pytest.raises(SettingsError, match="not an http"):
        load_settings(url=bad, environ={}, env_file=tmp_path / ".env")


def test_corrupt_credentials_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / CREDENTIALS_FILE).write_text("{not json")
    with pytest.raises(SettingsError, match=CREDENTIALS_FILE):
        load_settings(environ={}, env_file=tmp_path / ".env", data_dir=tmp_path)
