"""Receivers of portal.signals (filled in by the site part: cache invalidation)."""
