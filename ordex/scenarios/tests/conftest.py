import pytest

from .kit import Desk


@pytest.fixture
def desk(api_as):
    return Desk(api_as)
