"""The public page cache: fast for readers, never stale after the desk changes something."""

import logging
import os
import subprocess
import sys

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from django.utils import timezone

from articles import cache as page_cache
from articles.models import Article
from tests.builders import make_article, make_publishable, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(client, django_assert_num_queries):
    article = make_article(headline="Cached story")
    client.get(article.get_absolute_url())

    with django_assert_num_queries(0):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Cached story" in response.content.decode()


def test_public_pages_tell_browsers_and_cdns_how_long_to_keep_them(client):
    response = client.get(reverse("articles:home"))

    cache_control = response["Cache-Control"]
    for directive in ("public", "max-age=60", "s-maxage=300", "stale-while-revalidate=60"):
        assert directive in cache_control
    assert response["Last-Modified"]
    assert response["ETag"]
    assert "Cookie" in response["Vary"]


def test_unchanged_page_answers_304_to_a_conditional_request(client):
    article = make_article()
    first = client.get(article.get_absolute_url())

    by_etag = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert by_etag.status_code == 304
    assert by_date.status_code == 304


def test_publishing_shows_the_story_at_once(client, django_capture_on_commit_callbacks):
    article = make_publishable(headline="Breaking: ferry sinks")
    assert "Breaking: ferry sinks" not in client.get("/").content.decode()  # cached without it

    with django_capture_on_commit_callbacks(execute=True):
        article.publish(make_user("Editor"))

    assert "Breaking: ferry sinks" in client.get("/").content.decode()


def test_withdrawing_removes_the_story_from_every_cached_page(client, django_capture_on_commit_callbacks):
    article = make_article(headline="Story to withdraw")
    article.tags.add("harbour")
    pages = ["/", article.section.get_absolute_url(), "/tag/harbour/", article.get_absolute_url()]
    for url in pages:
        assert "Story to withdraw" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        article.withdraw(make_user("Editor"), comment="Legal")

    for url in pages:
        assert "Story to withdraw" not in client.get(url).content.decode(), url
    assert client.get(article.get_absolute_url()).status_code == 410


def test_editing_and_correcting_refresh_the_cached_story(client, django_capture_on_commit_callbacks):
    article = make_article(headline="Old headline")
    client.get(article.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=article.pk).update(headline="New headline")
        article.refresh_from_db()
        article.record_revision()
    assert "New headline" in client.get(article.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        article.add_correction("We misspelt the harbourmaster's name.")
    assert "misspelt the harbourmaster" in client.get(article.get_absolute_url()).content.decode()


def test_a_rolled_back_change_does_not_empty_the_cache(client, django_capture_on_commit_callbacks):
    client.get("/")
    before = page_cache.generation()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page_cache.invalidate_pages()

    assert len(callbacks) == 1  # it waits for the commit
    assert page_cache.generation() == before


def test_staff_always_get_a_fresh_private_page(client):
    article = make_article(headline="First")
    client.get(article.get_absolute_url())
    Article.objects.filter(pk=article.pk).update(headline="Second")
    client.force_login(make_user("Reporter"))

    response = client.get(article.get_absolute_url())

    assert "Second" in response.content.decode()
    assert "private" in response["Cache-Control"]


def two_app_servers(tmp_path):
    """Two cache clients on one shared store: Redis when configured, else a shared folder."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        params = {"KEY_PREFIX": f"test-{os.getpid()}"}
        return RedisCache(redis_url, params), RedisCache(redis_url, params)
    return FileBasedCache(str(tmp_path / "shared"), {}), FileBasedCache(str(tmp_path / "shared"), {})


def test_a_change_on_one_app_server_empties_the_cache_of_every_other(client, monkeypatch, tmp_path):
    server_a, server_b = two_app_servers(tmp_path)
    article = make_article(headline="Withdrawn elsewhere")

    monkeypatch.setattr(page_cache, "cache", server_a)
    assert client.get("/").status_code == 200  # server A caches the home page
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN, updated_at=timezone.now())
    assert "Withdrawn elsewhere" in client.get("/").content.decode()  # still A's cached copy

    monkeypatch.setattr(page_cache, "cache", server_b)
    page_cache.invalidate_now()  # the desk on server B withdraws the story

    monkeypatch.setattr(page_cache, "cache", server_a)
    assert "Withdrawn elsewhere" not in client.get("/").content.decode()
    server_a.clear()


def invalidate_in_another_process(settings):
    """What the desk or an import in another process does after a change, with a cache of its own (no Redis)."""
    environment = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    environment |= {"DJANGO_PAGE_CHANGES_FILE": str(settings.PAGE_CHANGES_FILE), "DJANGO_SECRET_KEY": "test-only"}
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from articles import cache; cache.invalidate_now()"],
        env=environment | {"DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        cwd=settings.BASE_DIR,
        check=True,
    )


def test_a_change_made_in_another_process_retires_the_pages_this_one_keeps(client, settings, tmp_path):
    # An import run from cron beside the site, or another gunicorn worker, on the default
    # local-memory cache: each process has a cache of its own.
    settings.PAGE_CHANGES_FILE = tmp_path / "pages-changed"
    article = make_article(headline="Night ferries run as usual")
    assert client.get("/").status_code == 200
    Article.objects.filter(pk=article.pk).update(headline="Night ferries cut")  # written by the other process
    assert "Night ferries cut" not in client.get("/").content.decode()  # this process's copy, until told

    invalidate_in_another_process(settings)

    assert "Night ferries cut" in client.get("/").content.decode()


def test_a_change_is_made_even_when_other_processes_cannot_be_told(client, settings, tmp_path, caplog):
    settings.PAGE_CHANGES_FILE = tmp_path / "no-such-folder" / "pages-changed"
    before = page_cache.generation()

    with caplog.at_level(logging.WARNING, logger="articles.cache"):
        page_cache.invalidate_now()

    assert page_cache.generation() != before  # this process's pages are retired all the same
    assert "could not tell other processes" in caplog.text


def test_renaming_a_section_in_the_admin_refreshes_cached_pages(client, django_capture_on_commit_callbacks):
    article = make_article()
    assert client.get("/").status_code == 200
    staff = make_user("Chief editor")
    admin_client = type(client)()
    admin_client.force_login(staff)
    section = article.section

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:articles_section_change", args=[section.pk]),
            {"name": "Renamed Desk", "slug": section.slug, "description": "", "in_navigation": "on", "position": 0},
        )

    assert "Renamed Desk" in client.get("/").content.decode()


def test_a_page_served_from_the_cache_leaves_with_the_same_security_headers(client):
    article = make_article(headline="Cached with its headers")
    fresh = client.get(article.get_absolute_url())
    cached = client.get(article.get_absolute_url())

    assert cached.content == fresh.content
    for header in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cache-Control",
        "Vary",
        "ETag",
        "Last-Modified",
    ):
        assert cached.headers.get(header) == fresh.headers.get(header), header
    assert cached["X-Frame-Options"] == "DENY"


def test_a_reader_with_a_stale_session_cookie_still_gets_the_cached_page(client, django_assert_max_num_queries):
    article = make_article(headline="Read with an old cookie")
    client.get(article.get_absolute_url())
    client.cookies["sessionid"] = "expired-or-forged"

    with django_assert_max_num_queries(1):  # the session lookup; the page itself comes from the cache
        response = client.get(article.get_absolute_url())

    assert "Read with an old cookie" in response.text
