"""Fixtures every app's tests use: named people and a small organisation tree.

Alice is the organisation department of the mine committee (her grant covers the whole mine),
Bob is the secretary of branch 1, Charlie has an account and no role at all.
"""

import pytest
from django.test import Client


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


class VerifiedLoginClient(Client):
    """Django's test client whose `force_login` also records a verified second factor for the
    three administrators, as the real login does (they must pass TOTP; the login policy ends an
    administrator's session that has none). The device is a real confirmed TOTP device."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        from dangjian.core.scope import scope_of

        if not scope_of(user).is_admin:
            return
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client():
    """pytest-django's `client`, logging administrators in with their second factor."""
    return VerifiedLoginClient()
