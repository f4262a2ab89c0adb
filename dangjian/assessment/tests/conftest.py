import pytest
from django.db import transaction


@pytest.fixture
def aw(db):
    """A fresh assessment world for the test (modules that only add rows use `module_aw`)."""
    from dangjian.assessment.testing import build_assessment_world

    return build_assessment_world()


@pytest.fixture(scope="module")
def module_aw(django_db_setup, django_db_blocker):
    """One assessment world for the module; each test's writes roll back with its own
    savepoint. Modules use it as

        @pytest.fixture
        def aw(module_aw, db):
            return module_aw
    """
    from dangjian.assessment.testing import build_assessment_world

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_assessment_world()
        transaction.set_rollback(True)
