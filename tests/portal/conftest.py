"""The API and page fixtures, shared with tests/api and tests/web."""
from tests.api.conftest import api, merchant, other_api, other_merchant, other_staff, staff  # noqa: F401
from tests.web.conftest import frozen, other_web, web  # noqa: F401
