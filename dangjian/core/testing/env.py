"""pytest plugin loaded with `-p dangjian.core.testing.env` before Django is configured."""

import os

os.environ.setdefault("DANGJIAN_ENVIRONMENT", "test")
os.environ.setdefault("DANGJIAN_AXES_ENABLED", "true")
# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# synchronous and safe, so Django's async-safety guard is relaxed for the test process only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
