"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "hosts": settings.ALLOWED_HOSTS,
    "static_storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "media_root": str(settings.MEDIA_ROOT),
}))
"""

NEWSROOM_VARIABLES = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "NEWSROOM_")


def load_settings(**env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(NEWSROOM_VARIABLES)}
    clean["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{PRINT_SETTINGS}"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result


def test_defaults_are_sqlite_in_wal_mode_and_local_memory_cache():
    result = load_settings(DJANGO_SECRET_KEY="x" * 50)
    values = json.loads(result.stdout)

    assert values["debug"] is False
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert "journal_mode=WAL" in values["options"]["init_command"]
    assert values["options"]["transaction_mode"] == "IMMEDIATE"
    assert values["options"]["timeout"] >= 5
    assert values["cache"].endswith("LocMemCache")
    assert "*" not in values["hosts"]
    assert values["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_serving_without_debug_requires_a_secret_key():
    clean = {key: value for key, value in os.environ.items() if not key.startswith(NEWSROOM_VARIABLES)}
    serve = [sys.executable, "-c", "import newsroom.wsgi"]
    result = subprocess.run(serve, cwd=ROOT, env=clean, capture_output=True, text=True, check=False)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_management_commands_run_without_a_secret_key_on_a_throwaway_one():
    clean = {key: value for key, value in os.environ.items() if not key.startswith(NEWSROOM_VARIABLES)}
    check = [sys.executable, "manage.py", "check"]
    result = subprocess.run(check, cwd=ROOT, env=clean, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_runs_without_a_secret_key():
    assert json.loads(load_settings(DJANGO_DEBUG="1").stdout)["debug"] is True


def test_a_misspelt_boolean_is_an_error_not_a_guess():
    result = load_settings(DJANGO_DEBUG="maybe")

    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_database_and_cache_urls_switch_to_postgresql_and_redis():
    values = json.loads(
        load_settings(
            DJANGO_SECRET_KEY="x" * 50,
            DATABASE_URL="postgres://news:pw@db.internal:5432/newsroom",
            REDIS_URL="redis://cache.internal:6379/1",
            DJANGO_ALLOWED_HOSTS="news.example.com, www.news.example.com",
            DJANGO_MEDIA_ROOT="/srv/media",
        ).stdout
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["host"], values["name"]) == ("db.internal", "newsroom")
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == "redis://cache.internal:6379/1"
    assert values["hosts"] == ["news.example.com", "www.news.example.com"]
    assert values["media_root"] == "/srv/media"


def test_sqlite_file_database_opens_in_wal_mode_with_foreign_keys(tmp_path):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(NEWSROOM_VARIABLES)}
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "mode = cursor.execute('PRAGMA journal_mode').fetchone()[0]\n"
        "print(mode, cursor.execute('PRAGMA foreign_keys').fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean
        | {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'news.sqlite3'}",
        },
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.split() == ["wal", "1"]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_templates_fail_on_unknown_variables_during_tests():
    from django.template import Context, Template

    with pytest.raises(pytest.fail.Exception, match="Undefined template variable 'article.headlin'"):
        Template("{{ article.headlin }}").render(Context({"article": object()}))
