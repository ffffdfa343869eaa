"""The design the layout shows: which modules may import which outside library, and the
package's public names."""

from __future__ import annotations

import ast
from pathlib import Path

import quotegold
from quotegold import labelstudio
from quotegold.errors import QuotegoldError

PACKAGE = Path(quotegold.__file__).parent


def importers_of(library: str) -> set[str]:
    """The modules of quotegold (dotted, relative to the package) that import `library`."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if any(name == library or name.startswith(f"{library}.") for name in names):
                found.add(".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    return found


def test_only_the_label_studio_boundary_imports_the_sdk() -> None:
    importers = importers_of("label_studio_sdk")
    assert importers, "the SDK is imported somewhere: the walk must find it"
    assert all(name.startswith("labelstudio.") for name in importers), importers


def test_only_the_dataset_modules_import_datasets() -> None:
    assert importers_of("datasets") == {"dataset", "splitfiles", "features"}


def test_public_names_are_the_errors_and_the_version() -> None:
    errors = {name for name in quotegold.__all__ if name != "__version__"}
    assert "__version__" in quotegold.__all__
    assert all(issubclass(getattr(quotegold, name), QuotegoldError) for name in errors)
    defined = {
        name
        for name, value in vars(quotegold.errors).items()
        if isinstance(value, type) and issubclass(value, QuotegoldError)
    }
    assert errors == defined, "every error class is public, and nothing else is"


def test_the_label_studio_package_exports_its_client_and_records() -> None:
    assert sorted(labelstudio.__all__) == [
        "Annotator",
        "LabelStudioClient",
        "Project",
        "ProjectSync",
        "StoredPrediction",
        "User",
    ]
    assert all(
        getattr(labelstudio, name).__module__.startswith("quotegold.labelstudio.")
        for name in labelstudio.__all__
    )
