"""Where the data contract's worked example lies: the contract's own folder beside the repository when it is
there, else the copy in tests/acceptance/example/ (a clone on its own)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COPY = Path(__file__).resolve().parent / "example"
CONTRACT = REPO.parent / "shared" / "spec" / "examples"
FILES = ("month.jsonl", "month.expected-metrics.csv", "month.expected-cases.csv")

EXAMPLES = CONTRACT if all((CONTRACT / name).exists() for name in FILES) else COPY
