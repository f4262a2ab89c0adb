import pytest


@pytest.fixture
def portal(db):
    from dangjian.portal.testing import build_portal_world

    return build_portal_world()
