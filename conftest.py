"""Shared pytest fixtures live in dangjian/core/testing/; this file only makes them visible."""

pytest_plugins = ["dangjian.core.testing.fixtures", "dangjian.core.testing.browser"]
