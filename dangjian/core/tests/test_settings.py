"""Settings are parsed strictly and production refuses unsafe configuration."""

import base64
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from dangjian.core import env
from dangjian.core.checks import production_config_errors

GOOD_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
GOOD_SECRET = "s" * 60


def error_ids(**overrides):
    with override_settings(**overrides):
        return {error.id for error in production_config_errors()}


def test_env_bool_rejects_a_typo(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env.env_bool("X_FLAG")


def test_env_int_enforces_its_minimum(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env.env_int("X_NUMBER", 5, minimum=0)


def test_env_choice_rejects_unknown_values(monkeypatch):
    monkeypatch.setenv("X_MODE", "prod")
    with pytest.raises(ImproperlyConfigured):
        env.env_choice("X_MODE", "development", ("development", "production"))


def test_email_url_parses_smtp_with_tls():
    parsed = env.parse_email_url("smtp://mailer:p%40ss@mail.example.local:587?tls=true")
    assert parsed["EMAIL_HOST"] == "mail.example.local"
    assert parsed["EMAIL_PORT"] == 587
    assert parsed["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert parsed["EMAIL_USE_TLS"] is True


def test_storage_url_rejects_unknown_schemes():
    with pytest.raises(ImproperlyConfigured):
        env.parse_storage_url("ftp://host/bucket", "/tmp")


def test_development_passes_the_production_checks():
    assert error_ids(ENVIRONMENT="development") == set()


def test_production_refuses_the_default_secret():
    from django.conf import settings

    ids = error_ids(
        ENVIRONMENT="production",
        SECRET_KEY=settings.DEFAULT_SECRET_KEY,
        DEBUG=False,
        FIELD_KEY=GOOD_KEY,
    )
    assert ids == {"dangjian.E001"}


def test_production_refuses_debug():
    ids = error_ids(
        ENVIRONMENT="production", SECRET_KEY=GOOD_SECRET, DEBUG=True, FIELD_KEY=GOOD_KEY
    )
    assert ids == {"dangjian.E003"}


def test_production_refuses_a_missing_field_key():
    ids = error_ids(ENVIRONMENT="production", SECRET_KEY=GOOD_SECRET, DEBUG=False, FIELD_KEY="")
    assert ids == {"dangjian.E004"}


def test_production_refuses_a_malformed_field_key():
    ids = error_ids(ENVIRONMENT="production", SECRET_KEY=GOOD_SECRET, DEBUG=False, FIELD_KEY="abc")
    assert ids == {"dangjian.E005"}


def test_production_accepts_a_complete_configuration():
    assert (
        error_ids(ENVIRONMENT="production", SECRET_KEY=GOOD_SECRET, DEBUG=False, FIELD_KEY=GOOD_KEY)
        == set()
    )


def test_the_command_line_refuses_to_start_in_production_with_defaults(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DANGJIAN_", "DATABASE_URL"))
    }
    environment.update(
        DANGJIAN_ENVIRONMENT="production",
        DANGJIAN_VAR_DIR=str(tmp_path),
        DANGJIAN_ALLOWED_HOSTS="localhost",
    )
    result = subprocess.run(
        [sys.executable, "-m", "dangjian", "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "dangjian.E001" in result.stderr
    assert "dangjian.E004" in result.stderr
