import pytest


@pytest.fixture(autouse=True)
def _isolated_site(settings, tmp_path):
    """Uploads go to a throwaway folder; static files need no collectstatic; caches start empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests build rows directly, bypassing the desk's invalidation: pages are
    # rendered fresh unless a test is about the page or fragment cache itself.
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 0
    settings.AXES_ENABLED = False  # the login-throttling tests switch it back on
    if settings.PAGE_CHANGES_FILE:  # a cache of this process's own: the file other processes read
        settings.PAGE_CHANGES_FILE = tmp_path / "pages-changed"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """
    On SQLite, test in a file (in WAL mode, like the real thing) rather than in
    memory: the browser tests' live server then gives each request thread its
    own connection instead of sharing the test's.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
