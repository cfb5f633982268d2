"""
Story fragments (``articles.fragments``): with the page cache off, cards and
story pages come from the cache, yet every request still asks ``live()``
which stories to show, so nothing a reader may not see slips through.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from tests.builders import count_queries, headlines, make_article, make_rich_article, make_section, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fragments_on(settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 60


def pages_of(article):
    return ["/", article.section.get_absolute_url(), "/tag/harbour/", article.get_absolute_url()]


def test_a_warm_page_is_the_same_page_for_fewer_queries(client):
    section = make_section()
    stories = [make_rich_article(section=section, headline=f"Harbour story {n}") for n in range(6)]

    for url in pages_of(stories[2]):
        cold_queries, cold = count_queries(client, url), client.get(url).content
        warm_queries, warm = count_queries(client, url), client.get(url).content
        assert warm == cold, url
        assert warm_queries < cold_queries, url
    assert count_queries(client, "/") <= 2  # the page of ids, the section fronts' check (menu and count kept)
    assert count_queries(client, stories[2].section.get_absolute_url()) <= 2  # the section, the page of ids
    assert count_queries(client, stories[2].get_absolute_url()) <= 1  # is it live? nothing else


def test_a_story_that_stops_being_live_behind_the_caches_back_is_not_shown(client):
    """No invalidation at all (a direct UPDATE): the fragments are stale, the pages are not."""
    article = make_rich_article(headline="Soon embargoed")
    for url in pages_of(article):
        assert "Soon embargoed" in client.get(url).text, url

    Article.objects.filter(pk=article.pk).update(embargo_until=timezone.now() + timedelta(days=1))

    for url in pages_of(article)[:3]:
        assert "Soon embargoed" not in client.get(url).text, url
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_story_whose_time_comes_appears_in_the_latest_list_at_once(client):
    """Scheduled stories go live with the clock, not with an invalidation."""
    make_article(headline="Already out")
    scheduled = make_article(headline="Due this morning", published_at=timezone.now() + timedelta(hours=1))
    assert "Due this morning" not in client.get("/").text

    Article.objects.filter(pk=scheduled.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    assert headlines(client.get("/"), ".front-lead") == ["Due this morning"]


def test_withdrawing_and_editing_retire_the_fragments(client, django_capture_on_commit_callbacks):
    withdrawn = make_rich_article(headline="Story to withdraw")
    edited = make_rich_article(headline="Old headline", section=withdrawn.section)
    for url in [*pages_of(withdrawn), edited.get_absolute_url()]:
        client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn.withdraw(make_user("Editor"), comment="Legal")
        Article.objects.filter(pk=edited.pk).update(headline="New headline")
        edited.refresh_from_db()
        edited.record_revision()

    for url in pages_of(edited):
        html = client.get(url).text
        assert "Story to withdraw" not in html, url
        assert "New headline" in html and "Old headline" not in html, url
    assert client.get(withdrawn.get_absolute_url()).status_code == 410


def test_a_story_page_reached_at_two_addresses_keeps_its_own_canonical_url(client, settings):
    settings.ALLOWED_HOSTS = ["news.example", "mirror.example"]
    article = make_rich_article()

    first = client.get(article.get_absolute_url(), HTTP_HOST="news.example").text
    second = client.get(article.get_absolute_url(), HTTP_HOST="mirror.example").text

    assert f'<link rel="canonical" href="http://news.example{article.get_absolute_url()}">' in first
    assert f'<link rel="canonical" href="http://mirror.example{article.get_absolute_url()}">' in second


def test_the_sections_menu_marks_the_page_the_reader_is_on(client):
    politics = make_section(name="Politics", slug="politics")
    make_article(section=politics)

    home, section = client.get("/").text, client.get(politics.get_absolute_url()).text

    assert '<a href="/" aria-current="page">Home</a>' in home
    assert f'<a href="{politics.get_absolute_url()}" aria-current="page">Politics</a>' in section
    assert 'aria-current="page">Home' not in section
