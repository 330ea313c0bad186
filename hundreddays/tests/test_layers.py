"""Which way the imports run (docs/style.md, "Layers"), checked on the source itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def source_files(folder: str):
    return [
        p for p in (ROOT / folder).rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts
    ]


def test_accounts_never_imports_journal():
    for path in source_files("accounts"):
        offending = {m for m in imported_modules(path) if m == "journal" or m.startswith("journal.")}
        assert not offending, (path.relative_to(ROOT), offending)


@pytest.mark.parametrize(
    "reader", ["journal/selectors.py", "journal/clock.py", "journal/share.py", "journal/pagecache.py"]
)
def test_no_read_module_imports_the_write_module(reader):
    modules = imported_modules(ROOT / reader)
    assert "journal.services" not in modules and "journal.importing" not in modules, reader


def test_the_participants_day_has_one_owner():
    """Only journal/clock.py turns an instant into the participant's date or its boundaries."""
    for folder in ("journal", "accounts", "hundreddays"):
        for path in source_files(folder):
            if path.name == "clock.py" or path.name == "rules.py":
                continue
            text = path.read_text()
            assert "local_today(" not in text, path.relative_to(ROOT)
            assert "rollover_hour or 0" not in text, path.relative_to(ROOT)
