"""The presentations (merchant_api, merchant_web) share the read model (portal) and never import each
other; the domains never import the read model or a presentation."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_apps(app):
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(("app", "forbidden"), [
    ("merchant_api", {"merchant_web"}),
    ("merchant_web", {"merchant_api", "rest_framework"}),
    ("portal", {"merchant_api", "merchant_web", "rest_framework"}),
    ("cases", {"portal", "merchant_api", "merchant_web"}),
    ("metrics", {"portal", "merchant_api", "merchant_web"}),
])
def test_an_app_imports_no_app_above_it(app, forbidden):
    assert not imported_apps(app) & forbidden


def test_both_presentations_read_through_the_portal():
    assert "portal" in imported_apps("merchant_api")
    assert "portal" in imported_apps("merchant_web")
