import pytest
from django.db import transaction


@pytest.fixture
def portal(db):
    """A fresh portal world for the test (modules that only add rows use `module_portal`)."""
    from dangjian.portal.testing import build_portal_world

    return build_portal_world()


@pytest.fixture(scope="module")
def module_portal(django_db_setup, django_db_blocker):
    """One portal world for the module; each test's writes roll back with its own savepoint
    (building the world once saves ~0.7 s a test). Modules use it as

        @pytest.fixture
        def portal(module_portal, db):
            return module_portal
    """
    from dangjian.portal.testing import build_portal_world

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_portal_world()
        transaction.set_rollback(True)
