import pytest

from .kit import Desk


@pytest.fixture(autouse=True)
def _fresh_subscribers():
    """The ingest pipeline caches its subscriber list (detection's on-event hook) per process; other
    suites may have changed the settings, so start every scenario from the configured list."""
    from ordex.ingest import pipeline

    pipeline._subscribers.cache_clear()
    yield
    pipeline._subscribers.cache_clear()


@pytest.fixture
def desk(api_as):
    return Desk(api_as)
