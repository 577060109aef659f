"""The copy of the worked example in this repository is the contract's, byte for byte."""
import pytest

from .example import CONTRACT, COPY, FILES


@pytest.mark.parametrize("name", FILES)
def test_the_copy_matches_the_contract(name):
    if not (CONTRACT / name).exists():
        pytest.skip("the data contract's folder is not beside this clone; the copy is all there is")
    assert (COPY / name).read_bytes() == (CONTRACT / name).read_bytes()
