"""Where the data contract's worked example lies: the contract's own folder beside the repository when it is
there, else the copy in tests/acceptance/example/ (a clone on its own). Both are pinned to the digests below,
so neither can drift unnoticed."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COPY = Path(__file__).resolve().parent / "example"
CONTRACT = REPO.parent / "shared" / "spec" / "examples"
SHA256 = {
    "month.jsonl": "ab4077c361298c0c06be8dcc23a199544ca4835c7563ea6ae4d319849ffa59d1",
    "month.expected-metrics.csv": "3e7c54260b1b3581441b14fd53b3507f8f9a8816b1ac9a4d7deed878ed630c19",
    "month.expected-cases.csv": "3205013d6e3c33108d7963186e9fb892af8adf976e6c623459c4f9c6bd1fafc3",
    "month.expected-product-metrics.csv": "79e7c8a13a39003b0140752035bee4efaeb9aec02ca505ba574ed29f0bb3a894",
    "month.expected-product-cases.csv": "584fb7ef5c76a61fd2bbbb8268590467eca282dc5446c1094f946b0b703695ed",
}
FILES = tuple(SHA256)

EXAMPLES = CONTRACT if all((CONTRACT / name).exists() for name in FILES) else COPY
