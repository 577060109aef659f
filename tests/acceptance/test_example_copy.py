"""The example the acceptance tests read is the contract's, byte for byte: the copy in this repository and,
when it lies beside the clone, the contract's own folder match the pinned digests."""
import hashlib

import pytest

from .example import COPY, EXAMPLES, SHA256


@pytest.mark.parametrize("name", SHA256)
def test_the_example_in_use_and_the_copy_are_the_pinned_files(name):
    for folder in {COPY, EXAMPLES}:
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == SHA256[name], folder / name
