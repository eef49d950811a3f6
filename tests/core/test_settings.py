"""Settings pick the embedded or the production parts from the environment alone."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from masthead.core.env import parse_smtp_url

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
