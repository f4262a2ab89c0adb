import pytest
from django.db import transaction


@pytest.fixture
def dw(db):
    """A fresh documents world for the test (modules that only add rows use `module_dw`)."""
    from dangjian.documents.testing import build_documents_world

    return build_documents_world()


@pytest.fixture(scope="module")
def module_dw(django_db_setup, django_db_blocker):
    """One documents world for the module; each test's writes roll back with its own
    savepoint. Modules use it as

        @pytest.fixture
        def dw(module_dw, db):
            return module_dw
    """
    from dangjian.documents.testing import build_documents_world

    with django_db_blocker.unblock(), transaction.atomic():
        yield build_documents_world()
        transaction.set_rollback(True)
