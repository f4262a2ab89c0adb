"""pytest plugin loaded with `-p dangjian.core.testing.env` before Django is configured."""

import os

os.environ.setdefault("DANGJIAN_ENVIRONMENT", "test")
os.environ.setdefault("DANGJIAN_AXES_ENABLED", "true")
