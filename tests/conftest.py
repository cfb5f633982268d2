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
    # rendered fresh unless a test is about the page cache itself.
    settings.PAGE_CACHE_SECONDS = 0
    settings.AXES_ENABLED = False  # the login-throttling tests switch it back on
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
