"""The import graph between our apps: arrows point down only (README, "What is where"). The merchants' pages
use no DRF, and both merchant presentations read through the portal."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APPS = ["eventstore", "metrics", "cases", "enforcement", "notifications", "accounts", "portal",
        "merchant_api", "merchant_web", "review_api", "riskcase"]
PRESENTATIONS = {"merchant_api", "merchant_web", "review_api"}
# What each domain may import (besides itself); riskcase (settings, urls, demo) may import everything.
ALLOWED = {
    "eventstore": {"riskcase"},
    "metrics": {"eventstore", "riskcase"},
    "cases": {"eventstore", "metrics", "accounts", "riskcase"},
    "enforcement": {"eventstore", "metrics", "accounts", "cases", "riskcase"},
    "notifications": {"eventstore", "metrics", "cases", "enforcement", "accounts", "riskcase"},
    "accounts": {"eventstore", "metrics", "riskcase"},
    "portal": {"eventstore", "metrics", "cases", "enforcement", "notifications", "accounts", "riskcase"},
    "merchant_api": {"eventstore", "metrics", "cases", "enforcement", "notifications", "accounts", "portal",
                     "riskcase"},
    "merchant_web": {"eventstore", "metrics", "cases", "enforcement", "notifications", "accounts", "portal",
                     "riskcase"},
    "review_api": {"eventstore", "metrics", "cases", "enforcement", "notifications", "accounts", "riskcase"},
}


def _third_party(app):
    found = set()
    for path in (REPO / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def _imports(app):
    found = {}
    for path in (REPO / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in APPS and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


GRAPH = {app: _imports(app) for app in APPS if (REPO / app).is_dir()}


@pytest.mark.parametrize("app", sorted(ALLOWED.keys() & GRAPH.keys()))
def test_a_domain_imports_only_what_lies_below_it(app):
    wrong = {dep: files for dep, files in GRAPH[app].items() if dep not in ALLOWED[app]}
    assert wrong == {}


def test_no_presentation_imports_another():
    wrong = {(a, b): files for a in PRESENTATIONS & GRAPH.keys() for b, files in GRAPH[a].items()
             if b in PRESENTATIONS}
    assert wrong == {}


def test_the_graph_between_apps_has_no_cycle():
    edges = {app: set(deps) - {"riskcase"} for app, deps in GRAPH.items() if app != "riskcase"}
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in edges.get(node, ()):
            if state.get(nxt) == "open":
                raise AssertionError(f"import cycle: {' -> '.join([*path, nxt])}")
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for app in edges:
        if app not in state:
            visit(app, [app])


def test_the_merchants_pages_and_read_model_use_no_drf():
    assert "rest_framework" not in _third_party("merchant_web")
    assert "rest_framework" not in _third_party("portal")


def test_both_merchant_presentations_read_through_the_portal():
    assert "portal" in GRAPH["merchant_api"]
    assert "portal" in GRAPH["merchant_web"]
