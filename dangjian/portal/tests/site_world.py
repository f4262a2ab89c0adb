"""For the site's tests, which may save a shared site row in a test:

@pytest.fixture
def portal(module_portal, db):
    return refreshed(module_portal)
"""


def refreshed(world):
    """A test may change a site and save it; its transaction rolls the row back, this the
    object the module shares."""
    for site in (world.group_site, world.mine_site, world.mine2_site):
        site.refresh_from_db()
    return world
