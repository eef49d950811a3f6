"""Settings pick the embedded or the production parts from the environment alone."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from masthead.core.env import parse_smtp_url
from tests.core.test_smtp_tls import write_ca_bundle

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "database": settings.DATABASES["default"]["ENGINE"],
    "database_name": str(settings.DATABASES["default"]["NAME"]),
    "sqlite_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "channels": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "mail": settings.MAILERS["default"]["OPTIONS"],
    "media": str(settings.MEDIA_ROOT),
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "debug": settings.DEBUG,
}, default=str))
"""

CLEAN_KEYS = (
    "DATABASE_URL", "REDIS_URL", "MASTHEAD_SMTP_URL", "MASTHEAD_ALLOWED_HOSTS", "MASTHEAD_DEBUG",
    "MASTHEAD_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE",
)  # fmt: skip


def run_python(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in CLEAN_KEYS}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "masthead.settings",
            "MASTHEAD_SECRET_KEY": "x" * 50,
            "MASTHEAD_DATA_DIR": str(tmp_path),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def settings_with(tmp_path, **env) -> dict:
    result = run_python(PRINT_SETTINGS, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_variables_give_the_embedded_parts(tmp_path):
    found = settings_with(tmp_path)

    assert found["database"] == "django.db.backends.sqlite3"
    assert found["database_name"] == str(tmp_path / "masthead.sqlite3")
    assert "journal_mode=WAL" in found["sqlite_options"]["init_command"]
    assert found["sqlite_options"]["transaction_mode"] == "IMMEDIATE"
    assert found["cache"].endswith("LocMemCache")
    assert found["channels"] == "masthead.chat.layers.InMemoryChannelLayer"
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"
    assert found["mail"]["host"] == "127.0.0.1" and found["mail"]["port"] == 8025
    assert found["media"] == str(tmp_path / "media")
    assert found["debug"] is False


def test_database_and_redis_urls_switch_in_postgresql_and_redis(tmp_path):
    found = settings_with(
        tmp_path,
        DATABASE_URL="postgres://writer:pw@db.internal:5433/masthead",
        REDIS_URL="redis://cache.internal:6380/1",
        MASTHEAD_ALLOWED_HOSTS="news.example.com, example.org",
    )

    assert found["database"] == "django.db.backends.postgresql"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["channels"] == "channels_redis.core.RedisChannelLayer"
    assert found["allowed_hosts"] == ["news.example.com", "example.org"]


def test_smtp_url_sends_all_mail_there(tmp_path):
    found = settings_with(
        tmp_path, MASTHEAD_SMTP_URL="smtp://me%40x.com:s3cret@mail.example.com:587"
    )

    assert found["mail"] == {
        "host": "mail.example.com", "port": 587, "use_tls": True, "use_ssl": False,
        "timeout": 30, "username": "me@x.com", "password": "s3cret",
    }  # fmt: skip


@pytest.mark.parametrize(
    "url",
    ["http://mail.example.com", "smtp://", "smtp://host:587?tls=maybe", "smtp://host:notaport"],
)
def test_bad_smtp_urls_are_refused_with_a_clear_message(url):
    with pytest.raises(ImproperlyConfigured, match="MASTHEAD_SMTP_URL"):
        parse_smtp_url(url)


def test_a_missing_secret_key_stops_start_up_with_a_clear_message(tmp_path):
    result = run_python("", tmp_path, MASTHEAD_SECRET_KEY="")

    assert result.returncode != 0
    assert "MASTHEAD_SECRET_KEY is not set" in result.stderr


def test_a_bad_boolean_is_refused(tmp_path):
    result = run_python("", tmp_path, MASTHEAD_DEBUG="perhaps")

    assert result.returncode != 0
    assert "MASTHEAD_DEBUG must be one of" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_python(
        "from django.core.management import call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')",
        tmp_path,
        MASTHEAD_SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        MASTHEAD_ALLOWED_HOSTS="news.example.com",
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_smtp_url_verifies_tls_by_default_and_adds_no_options():
    options = parse_smtp_url("smtps://mail.example.com")

    assert options["use_ssl"] is True
    assert "ssl_verify" not in options and "ssl_cafile" not in options


def test_smtp_url_cafile_names_the_ca_bundle_to_trust(tmp_path):
    cafile = write_ca_bundle(tmp_path)

    options = parse_smtp_url(f"smtp://mail.example.com:587?cafile={cafile}")

    assert options["ssl_cafile"] == str(cafile)
    assert "ssl_verify" not in options


@pytest.mark.parametrize("word", ["no", "NO", "false", "0", "off"])
def test_smtp_url_verify_no_turns_certificate_checks_off(word):
    options = parse_smtp_url(f"smtp://relay.internal:587?verify={word}")

    assert options["ssl_verify"] is False


def test_smtp_url_verify_yes_is_the_default():
    assert "ssl_verify" not in parse_smtp_url("smtp://relay.internal:587?verify=yes")


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("verify=maybe", "verify= must be yes or no"),
        ("cafile=/nonexistent/ca.pem", "cafile='/nonexistent/ca.pem' cannot be read"),
        ("tls=none&verify=no", "need tls=starttls or tls=ssl"),
        ("tls=none&cafile=/nonexistent/ca.pem", "need tls=starttls or tls=ssl"),
        ("verfy=no", "unknown parameters verfy"),
        ("timeout=soon", "timeout= must be a whole number"),
    ],
)
def test_bad_smtp_tls_options_are_refused_naming_the_variable(query, complaint):
    with pytest.raises(ImproperlyConfigured, match="MASTHEAD_SMTP_URL") as caught:
        parse_smtp_url(f"smtp://mail.example.com:587?{query}")

    assert complaint in str(caught.value)


def test_a_cafile_that_is_not_a_ca_bundle_is_refused(tmp_path):
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("this is not a certificate\n")

    with pytest.raises(ImproperlyConfigured, match="cannot be read as a PEM CA bundle"):
        parse_smtp_url(f"smtp://mail.example.com:587?cafile={not_pem}")


def test_cafile_and_verify_no_together_are_refused(tmp_path):
    cafile = write_ca_bundle(tmp_path)

    with pytest.raises(ImproperlyConfigured, match="both cafile= and verify=no"):
        parse_smtp_url(f"smtp://mail.example.com:587?cafile={cafile}&verify=no")


def test_a_missing_cafile_stops_start_up(tmp_path):
    result = run_python(
        "", tmp_path, MASTHEAD_SMTP_URL="smtp://mail.example.com:587?cafile=/nonexistent/ca.pem"
    )

    assert result.returncode != 0
    assert "MASTHEAD_SMTP_URL cafile='/nonexistent/ca.pem' cannot be read" in result.stderr
