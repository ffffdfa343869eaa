"""quotegold.toml: read strictly; every malformed file is one located error line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotegold.cli.main import app
from quotegold.errors import ConfigError
from quotegold.schema.defaults import DEFAULT_SCHEMA
from quotegold.schema.projectfile import find_project_file, read_project_file

# (file text, line the error names, words the message holds)
MALFORMED = {
    "bad TOML": ('[schema\nstance_targets = ["a"]\n', 1, ["invalid TOML", "toml.io"]),
    "unknown key": ('[schema]\nstance_targets = ["a"]\ncolour = "x"\n', 3, ["schema.colour"]),
    "unknown section": ('[schema]\nstance_targets = ["a"]\n\n[labels]\nx = 1\n', 4, ["labels"]),
    "unknown item key": (
        '[schema]\nstance_targets = [\n  "a",\n  { value = "b", colour = "red" },\n]\n',
        4,
        ["colour"],
    ),
    "duplicate target": (
        '[schema]\nstance_targets = [\n  "a",\n  "b",\n  "a",\n]\n',
        5,
        ["'a'", "twice"],
    ),
    "hotkey clash": (
        '[schema]\nstance_targets = [\n  { value = "a", hotkey = "t" },\n'
        '  { value = "b", hotkey = "t" },\n]\n',
        4,
        ["hotkey", "'t'"],
    ),
    "hotkey of a label": (
        '[schema]\nstance_targets = [{ value = "a", hotkey = "q" }]\n',
        2,
        ["hotkey", "'q'"],
    ),
    "hotkey not a key": (
        '[schema]\nstance_targets = [{ value = "a", hotkey = "ctrl+enter" }]\n',
        2,
        ["hotkey"],
    ),
    "empty list": ("[schema]\nstance_targets = []\n", 2, ["stance_targets", "empty"]),
    "empty speaker kinds": ("[schema]\nspeaker_kinds = []\n", 2, ["speaker_kinds", "empty"]),
    "list as text": ('[schema]\nstance_targets = "a"\n', 2, ["stance_targets", "list"]),
    "number as value": ("[schema]\ninitiative_statuses = [1, 2]\n", 2, ["initiative_statuses"]),
    "keywords on a kind": (
        '[schema]\nspeaker_kinds = [{ value = "person", keywords = ["x"] }]\n',
        2,
        ["keywords"],
    ),
    "wrong default type": ('[project]\nannotators_per_task = "2"\n', 2, ["annotators_per_task"]),
    "bad ratios": ("[dataset]\nratios = [0.5, 0.1]\n", 2, ["ratios"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_is_one_located_line(case: str, tmp_path: Path) -> None:
    text, line, words = MALFORMED[case]
    path = tmp_path / "quotegold.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as raised:
        read_project_file(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:"), message
    for word in words:
        assert word in message, message

    # The CLI says the same in one line on stderr, exit 1, no traceback.
    result = CliRunner().invoke(app, ["schema", "--config", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert f"{path}:{line}:" in result.stderr


def test_missing_config_given_is_an_error_but_no_file_is_the_defaults(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="quotegold init"):
        find_project_file(tmp_path / "nope.toml")
    found = find_project_file(folder=tmp_path)
    assert found.path is None and found.schema == DEFAULT_SCHEMA


def test_a_plain_list_gets_other_hotkeys_and_its_own_version(tmp_path: Path) -> None:
    path = tmp_path / "quotegold.toml"
    path.write_text('[schema]\nstance_targets = ["climate_policy", "carbon_tax"]\n', "utf-8")
    schema = read_project_file(path).schema
    targets = schema.attribute("stance_target").choices
    assert [c.value for c in targets] == ["climate_policy", "carbon_tax", "other"]
    keys = [c.hotkey for a in schema.attributes for c in a.choices]
    keys += [label.hotkey for label in schema.labels]
    assert all(keys) and len(keys) == len(set(keys))
    assert schema.core_version == DEFAULT_SCHEMA.core_version
    assert schema.version != DEFAULT_SCHEMA.version
    assert schema.version.startswith(schema.core_version + "+")
    # The same lists give the same version: it names the lists, not the file.
    again = tmp_path / "again.toml"
    again.write_text('# a comment\n[schema]\nstance_targets = ["climate_policy", "carbon_tax"]\n')
    assert read_project_file(again).schema.version == schema.version


def test_init_writes_a_starter_that_reads_back_as_the_defaults(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    starter = tmp_path / "quotegold.toml"
    assert "#" in starter.read_text("utf-8")
    assert read_project_file(starter).schema.version == DEFAULT_SCHEMA.version
    # A second init does not overwrite the file.
    again = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert again.exit_code == 1 and "exists" in again.stderr and "--force" in again.stderr
