import pytest


@pytest.fixture(autouse=True)
def _fresh_subscribers():
    """The pipeline caches its subscriber list; detection's hook must be in it for these tests."""
    from ordex.ingest import pipeline

    pipeline._subscribers.cache_clear()
    yield
    pipeline._subscribers.cache_clear()
