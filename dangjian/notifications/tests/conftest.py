import pytest

from dangjian.notifications.models import Preference
from dangjian.notifications.tests.gateway import FakeGateway


@pytest.fixture
def gateway():
    with FakeGateway() as running:
        yield running


@pytest.fixture
def reachable(world):
    """Bob with an e-mail address and a mobile number, both channels switched on."""
    bob = world.bob
    bob.email = "bob@example.cn"
    bob.mobile = "13812345678"
    bob.save()
    Preference.objects.create(user=bob, email_enabled=True, sms_enabled=True)
    return bob


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (task enqueues) when the block ends, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
