import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from articles.models import Byline
from articles.sitemaps import ArticleSitemap
from tests.builders import add_byline, count_queries, make_article, make_author, make_rich_article, make_section

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SITEMAP_URLS = [
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-sections.xml",
    "/sitemap-tags.xml",
    "/sitemap-authors.xml",
    "/sitemap-news.xml",
]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml", url
    return ET.fromstring(response.content)


def locations(client, url):
    return [loc.text for loc in parse(client, url).iter(f"{SM}loc")]


def test_index_names_every_sitemap_with_absolute_urls(client):
    article = make_article()
    article.refresh_from_db()

    index = parse(client, "/sitemap.xml")

    entries = {entry.findtext(f"{SM}loc"): entry.findtext(f"{SM}lastmod") for entry in index.findall(f"{SM}sitemap")}
    assert set(entries) == {
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-sections.xml",
        "http://testserver/sitemap-tags.xml",
        "http://testserver/sitemap-authors.xml",
    }
    assert datetime.fromisoformat(entries["http://testserver/sitemap-articles.xml"]) == article.updated_at


def test_article_sitemap_lists_live_stories_with_their_last_change(client):
    live = make_article(slug="live-story", published_at=timezone.now() - 5 * HOUR)
    live.refresh_from_db()
    make_article(slug="draft-story", status="draft", published_at=None)

    urlset = parse(client, "/sitemap-articles.xml")

    (url,) = urlset.findall(f"{SM}url")
    assert url.findtext(f"{SM}loc") == "http://testserver/story/live-story/"
    assert url.findtext(f"{SM}lastmod") == timezone.localdate(live.updated_at).isoformat()


def test_article_sitemap_is_paginated_and_the_index_names_every_page(client, monkeypatch):
    assert ArticleSitemap.limit == 50_000
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for _ in range(3):
        make_article()

    index = locations(client, "/sitemap.xml")

    assert "http://testserver/sitemap-articles.xml?p=2" in index
    assert "http://testserver/sitemap-articles.xml?p=3" not in index
    assert len(locations(client, "/sitemap-articles.xml")) == 2
    assert len(locations(client, "/sitemap-articles.xml?p=2")) == 1
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404


def test_listing_sitemaps_hold_sections_and_only_topics_and_authors_with_live_stories(client):
    politics = make_section(slug="politics")
    make_section(slug="empty")
    live = make_article(section=politics)
    live.tags.add("harbour")
    writer = make_author(slug="writer")
    add_byline(live, writer)
    add_byline(live, writer, role=Byline.Role.ANALYSIS)
    draft = make_article(section=politics, status="draft", published_at=None)
    draft.tags.add("secret-merger")
    add_byline(draft, make_author(slug="drafts-only"))

    assert set(locations(client, "/sitemap-sections.xml")) >= {
        "http://testserver/section/politics/",
        "http://testserver/section/empty/",
    }
    assert locations(client, "/sitemap-tags.xml") == ["http://testserver/tag/harbour/"]
    assert locations(client, "/sitemap-authors.xml") == ["http://testserver/author/writer/"]
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_news_sitemap_lists_the_last_48_hours_in_the_news_schema(client):
    now = timezone.now()
    recent = make_article(headline="Ferry & bridge close", slug="recent", published_at=now - 47 * HOUR)
    make_article(slug="older", published_at=now - 49 * HOUR)
    make_article(slug="scheduled", published_at=now + HOUR)

    urlset = parse(client, "/sitemap-news.xml")

    (url,) = urlset.findall(f"{SM}url")
    assert url.findtext(f"{SM}loc") == "http://testserver/story/recent/"
    news = url.find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "The Harbour Gazette"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert datetime.fromisoformat(news.findtext(f"{NEWS}publication_date")) == recent.published_at
    assert news.findtext(f"{NEWS}title") == "Ferry & bridge close"


def test_robots_txt_keeps_crawlers_out_of_the_desk_and_names_the_sitemaps(client):
    response = client.get("/robots.txt", secure=True)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /preview/" in lines
    assert "Sitemap: https://testserver/sitemap.xml" in lines
    assert "Sitemap: https://testserver/sitemap-news.xml" in lines


def test_sitemaps_are_not_themselves_indexed(client):
    for url in SITEMAP_URLS:
        assert client.get(url)["X-Robots-Tag"] == "noindex, noodp, noarchive", url


# Query budget: at most four per sitemap page, the same for one story as for fifty.

SITEMAP_BUDGET = 4


def test_every_sitemap_costs_the_same_few_queries_for_one_story_as_for_fifty(client):
    section, author = make_section(), make_author()

    def rich_story():
        article = make_rich_article(section=section)
        article.bylines.filter(role=Byline.Role.REPORTING).update(author=author)

    rich_story()
    one_story = {url: count_queries(client, url, warm=True) for url in [*SITEMAP_URLS, "/robots.txt"]}
    for _ in range(49):
        rich_story()
    fifty_stories = {url: count_queries(client, url, warm=True) for url in [*SITEMAP_URLS, "/robots.txt"]}

    assert fifty_stories == one_story
    assert max(one_story.values()) <= SITEMAP_BUDGET, one_story
    assert len(locations(client, "/sitemap-news.xml")) == 50


# Nothing that isn't public, anywhere a crawler or a feed reader looks.

HIDDEN_STATES = {
    "draft": {"status": "draft", "published_at": None},
    "inreview": {"status": "in_review", "published_at": None},
    "returned": {"status": "returned", "published_at": None},
    "approved": {"status": "approved", "published_at": None},
    "scheduled": {"status": "published", "published_at": timezone.now() + 24 * HOUR},
    "embargoed": {
        "status": "published",
        "published_at": timezone.now() - HOUR,
        "embargo_until": timezone.now() + 24 * HOUR,
    },
    "withdrawn": {"status": "withdrawn", "published_at": timezone.now() - 2 * HOUR},
}


def test_no_story_that_isnt_live_reaches_a_feed_sitemap_robots_or_page_metadata(client):
    section, author = make_section(slug="politics"), make_author(slug="writer")
    live = make_rich_article(section=section, headline="Live story", tags=("harbour",))
    add_byline(live, author)
    for state, fields in HIDDEN_STATES.items():
        hidden = make_article(
            section=section,
            headline=f"ZQX{state} headline",
            standfirst=f"ZQX{state} standfirst",
            slug=f"zqx-{state}",
            **fields,
        )
        hidden.tags.add("harbour", f"zqx-{state}-topic")
        add_byline(hidden, author)
        add_byline(hidden, make_author(slug=f"zqx-{state}-writer"))
        hidden.add_correction(f"ZQX{state} correction")

    surfaces = [
        "/robots.txt",
        *SITEMAP_URLS,
        "/sitemap-articles.xml",
        "/feed/rss/",
        "/feed/atom/",
        "/section/politics/feed/rss/",
        "/section/politics/feed/atom/",
        "/tag/harbour/feed/rss/",
        "/tag/harbour/feed/atom/",
        "/author/writer/feed/rss/",
        "/author/writer/feed/atom/",
        "/",
        "/section/politics/",
        "/tag/harbour/",
        "/author/writer/",
        live.get_absolute_url(),
    ]
    for url in surfaces:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "zqx" not in response.text.lower(), url
    assert "Live story" in client.get("/feed/rss/").text
    for state in HIDDEN_STATES:
        for kind in ("rss", "atom"):
            assert client.get(f"/tag/zqx-{state}-topic/feed/{kind}/").status_code == 404
