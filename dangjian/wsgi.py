"""WSGI entry point. Refuses to serve when production settings are unsafe."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

application = get_wsgi_application()

from dangjian.core.checks import production_config_errors  # noqa: E402

_errors = production_config_errors()
if _errors:
    raise ImproperlyConfigured("; ".join(error.msg for error in _errors))
