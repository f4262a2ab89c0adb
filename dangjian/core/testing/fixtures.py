"""Fixtures every app's tests use: named people and a small organisation tree.

Alice is the organisation department of the mine committee (her grant covers the whole mine),
Bob is the secretary of branch 1, Charlie has an account and no role at all.
"""

import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    from dangjian.core.testing.world import build_world

    return build_world()
