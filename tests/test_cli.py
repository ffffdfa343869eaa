"""The CLI: exit codes, one-line errors, and the commands end to end against a real server."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.labelstudio.local.server import ServerInfo
from quotegold.schema.definition import CORE_VERSION

SEEDS = Path(__file__).parents[1] / "tasks" / "seeds"
runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No .env, no local server record and no LABEL_STUDIO_* from the developer's shell."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "LABEL_STUDIO_URL",
        "LABEL_STUDIO_API_KEY",
        "QUOTEGOLD_DATA_DIR",
        "QUOTEGOLD_EXPORT_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert f"schema core {CORE_VERSION}" in result.stdout


@pytest.mark.parametrize("command", ["serve", "tasks", "push", "schema"])
def test_every_command_has_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_tasks_writes_importable_json(tmp_path: Path) -> None:
    out = tmp_path / "out" / "seeds.json"
    result = runner.invoke(app, ["tasks", str(SEEDS), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    tasks = json.loads(out.read_text("utf-8"))
    assert len(tasks) == 2
    assert {task["data"]["article_id"] for task in tasks} == {
        "b026720e96ed685c",
        "fa7277054dc47eee",
    }


def test_tasks_reports_bad_files_and_keeps_the_good(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 said".encode("latin-1"))
    (tmp_path / "good.txt").write_text("Singh said “hello”.\n", encoding="utf-8")
    out = tmp_path / "tasks.json"
    result = runner.invoke(app, ["tasks", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr and "latin1.txt" in result.stderr
    assert "UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert [task["data"]["text"] for task in json.loads(out.read_text("utf-8"))] == [
        "Singh said “hello”."
    ]


def test_push_without_a_key_says_how_to_get_one() -> None:
    result = runner.invoke(app, ["push", str(SEEDS)])
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "LABEL_STUDIO_API_KEY", "quotegold serve")


def test_push_to_an_unreachable_server() -> None:
    result = runner.invoke(
        app, ["push", str(SEEDS), "--url", "http://127.0.0.1:9", "--api-key", "k"]
    )
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "cannot reach Label Studio at http://127.0.0.1:9")


EXPORT_UNREACHABLE = ["export", "--project", "p", "--out", "out", "--url", "http://127.0.0.1:9"]


@pytest.mark.parametrize("bad", ["-5", "0", "ten", "nan"])
def test_export_with_a_bad_download_timeout(bad: str) -> None:
    result = runner.invoke(app, [*EXPORT_UNREACHABLE, "--api-key", "k", "--download-timeout", bad])
    assert result.exit_code == 1
    assert_one_line_error(
        result.stderr, f"timeout {bad!r} (from the command-line flag)", "--download-timeout"
    )


def test_export_with_a_bad_export_timeout_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUOTEGOLD_EXPORT_TIMEOUT", "-1")
    result = runner.invoke(app, [*EXPORT_UNREACHABLE, "--api-key", "k"])
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "'-1' (from the environment)", "QUOTEGOLD_EXPORT_TIMEOUT")


def test_export_with_a_good_download_timeout_goes_on() -> None:
    # Read, then the next step fails: there is no API key (the fault tests use it for real).
    result = runner.invoke(app, [*EXPORT_UNREACHABLE, "--download-timeout", "90.5"])
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "no Label Studio API key")


def test_push_with_a_wrong_key(label_studio: ServerInfo) -> None:
    wrong = "f" * 40
    result = runner.invoke(app, ["push", str(SEEDS), "--url", label_studio.url, "--api-key", wrong])
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "refused the API key", "LABEL_STUDIO_API_KEY")
    assert wrong not in result.stderr + result.stdout


def test_push_twice_reports_articles_already_there(
    label_studio: ServerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    project = f"cli {uuid.uuid4().hex[:8]}"
    first = runner.invoke(app, ["push", str(SEEDS), "--project", project])
    assert first.exit_code == 0, first.stderr
    assert "2 task(s) created, 0 already there" in first.stdout
    second = runner.invoke(app, ["push", str(SEEDS), "--project", project])
    assert second.exit_code == 0, second.stderr
    assert "0 task(s) created, 2 already there" in second.stdout
    assert label_studio.api_key not in first.stdout + first.stderr + second.stdout


def test_schema_check_passes_on_the_committed_copies() -> None:
    result = runner.invoke(app, ["schema", "--check"])
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stdout
