"""pytest plugin loaded with `-p dangjian.core.testing.env` before Django is configured."""

import os

os.environ.setdefault("DANGJIAN_ENVIRONMENT", "test")
os.environ.setdefault("DANGJIAN_AXES_ENABLED", "true")
# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# synchronous and safe, so Django's async-safety guard is relaxed for the test process only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Uploaded and generated files of a test run go to a private temporary folder (one per worker
# process), never into the developer's var/media; it is removed when the process ends.
if "DANGJIAN_MEDIA_ROOT" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _media = tempfile.mkdtemp(prefix="dangjian-test-media-")
    os.environ["DANGJIAN_MEDIA_ROOT"] = _media
    atexit.register(shutil.rmtree, _media, ignore_errors=True)
