import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone

from articles.models import Byline
from tests.builders import (
    add_byline,
    count_queries,
    make_article,
    make_author,
    make_image,
    make_quote,
    make_rich_article,
    make_section,
    make_source,
)

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"


def rss_items(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/rss+xml")
    return ET.fromstring(response.content).find("channel").findall("item")


def atom_entries(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def feed_headlines(client, url):
    if url.endswith("/atom/"):
        return [entry.findtext(f"{ATOM}title") for entry in atom_entries(client, url)]
    return [item.findtext("title") for item in rss_items(client, url)]


@pytest.fixture
def story():
    """A live story in Politics with two bylines, two tags and a lead photo."""
    article = make_article(
        section=make_section(name="Politics", slug="politics"),
        headline="Council & port agree",
        slug="deal",
        standfirst="A deal on <fees> at last.",
        published_at=timezone.now() - 3 * HOUR,
    )
    article.tags.add("harbour", "council")
    add_byline(article, make_author(name="Maria Okafor", slug="maria"))
    add_byline(article, make_author(name="Tom Reyes", slug="tom"), position=1)
    add_byline(article, make_author(name="Sam Lens"), role=Byline.Role.PHOTOS)
    make_image(article, is_lead=True)
    return article


def test_rss_item_carries_title_link_summary_dates_authors_categories_and_photo(client, story):
    (item,) = rss_items(client, "/feed/rss/")
    lead = story.images.get(is_lead=True)

    assert item.findtext("title") == "Council & port agree"
    assert item.findtext("link") == "http://testserver/story/deal/"
    assert item.findtext("guid") == "http://testserver/story/deal/"
    assert item.find("guid").get("isPermaLink") == "true"
    assert item.findtext("description") == "A deal on &lt;fees&gt; at last."
    assert parsedate_to_datetime(item.findtext("pubDate")) == story.published_at.replace(microsecond=0)
    assert item.findtext(f"{DC}creator") == "Maria Okafor and Tom Reyes"
    assert sorted(category.text for category in item.findall("category")) == ["Politics", "council", "harbour"]
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == f"http://testserver{lead.image.url}"
    assert enclosure.get("length") == str(lead.image.size)
    assert enclosure.get("type") == "image/jpeg"


def test_atom_entry_carries_published_and_updated_times_and_the_photo(client, story):
    (entry,) = atom_entries(client, "/feed/atom/")
    story.refresh_from_db()
    lead = story.images.get(is_lead=True)

    assert datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == story.published_at
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == story.updated_at
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Maria Okafor and Tom Reyes"
    assert entry.findtext(f"{ATOM}summary") == "A deal on &lt;fees&gt; at last."
    assert {category.get("term") for category in entry.findall(f"{ATOM}category")} == {
        "Politics",
        "council",
        "harbour",
    }
    (enclosure,) = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert enclosure.get("href") == f"http://testserver{lead.image.url}"
    assert enclosure.get("length") == str(lead.image.size)


def test_feed_metadata_names_the_site_section_tag_and_author(client, story):
    expected = {
        "/feed/atom/": ("The Harbour Gazette", "http://testserver/"),
        "/section/politics/feed/atom/": ("The Harbour Gazette: Politics", "http://testserver/section/politics/"),
        "/tag/harbour/feed/atom/": ("The Harbour Gazette: harbour", "http://testserver/tag/harbour/"),
        "/author/maria/feed/atom/": ("The Harbour Gazette: Maria Okafor", "http://testserver/author/maria/"),
    }
    for url, (title, link) in expected.items():
        feed = ET.fromstring(client.get(url).content)
        assert feed.findtext(f"{ATOM}title") == title, url
        assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == link, url
        assert feed.find(f"{ATOM}link[@rel='self']").get("href") == f"http://testserver{url}", url
        assert feed.findtext(f"{ATOM}subtitle"), url


def test_section_tag_and_author_feeds_hold_only_their_own_stories(client, story):
    other = make_article(headline="Elsewhere", section=make_section(slug="sport"))
    other.tags.add("football")
    add_byline(other, make_author(slug="someone"))

    for kind in ("rss", "atom"):
        assert sorted(feed_headlines(client, f"/feed/{kind}/")) == ["Council & port agree", "Elsewhere"]
        for url in (f"/section/politics/feed/{kind}/", f"/tag/harbour/feed/{kind}/", f"/author/maria/feed/{kind}/"):
            assert feed_headlines(client, url) == ["Council & port agree"], url
        assert feed_headlines(client, f"/section/sport/feed/{kind}/") == ["Elsewhere"]


def test_author_with_two_roles_on_a_story_lists_it_once(client):
    author = make_author(slug="maria")
    article = make_article(headline="Once only")
    add_byline(article, author)
    add_byline(article, author, role=Byline.Role.ANALYSIS)

    assert feed_headlines(client, "/author/maria/feed/rss/") == ["Once only"]


def test_feed_holds_the_fifty_newest_live_stories_newest_first(client):
    section = make_section(slug="news")
    now = timezone.now()
    for hours in range(52):
        make_article(section=section, headline=f"Story {hours:02d}", published_at=now - (hours + 1) * HOUR)

    headlines = feed_headlines(client, "/feed/rss/")

    assert len(headlines) == 50
    assert headlines[0] == "Story 00" and headlines[-1] == "Story 49"


def test_feeds_of_unknown_things_are_not_found(client):
    make_article(status="draft", published_at=None).tags.add("secret-merger")

    for url in ("/section/nowhere/feed/rss/", "/tag/nothing/feed/atom/", "/author/nobody/feed/rss/"):
        assert client.get(url).status_code == 404, url
    # A topic only unpublished stories carry is as unknown as one that doesn't exist.
    assert client.get("/tag/secret-merger/feed/rss/").status_code == 404


def test_photo_whose_file_is_missing_is_left_out_rather_than_breaking_the_feed(client, story):
    lead = story.images.get(is_lead=True)
    lead.image.storage.delete(lead.image.name)

    (item,) = rss_items(client, "/feed/rss/")

    assert item.find("enclosure") is None
    assert item.findtext("title") == "Council & port agree"


def test_feeds_never_name_a_confidential_source(client):
    article = make_rich_article()
    secret = make_source(
        name="Eva Brandt",
        role="deputy",
        organisation="Interior Ministry",
        confidential=True,
        public_label="a senior official",
    )
    make_quote(article, source=secret, text="The figures were known in March")
    author = article.bylines.first().author

    for url in ("/feed/rss/", "/feed/atom/", f"/author/{author.slug}/feed/rss/", "/tag/harbour/feed/atom/"):
        body = client.get(url).text
        assert "Eva Brandt" not in body and "Interior Ministry" not in body, url


# Query budget: at most five per feed, the same for one story as for fifty.

FEED_BUDGET = 5


def feed_urls(section, author):
    urls = []
    for kind in ("rss", "atom"):
        urls += [
            f"/feed/{kind}/",
            f"/section/{section.slug}/feed/{kind}/",
            f"/tag/harbour/feed/{kind}/",
            f"/author/{author.slug}/feed/{kind}/",
        ]
    return urls


def test_every_feed_costs_the_same_few_queries_for_one_story_as_for_fifty(client):
    section, author = make_section(), make_author()

    def rich_story():
        article = make_rich_article(section=section)
        article.bylines.filter(role=Byline.Role.REPORTING).update(author=author)

    rich_story()
    one_story = {url: count_queries(client, url, warm=True) for url in feed_urls(section, author)}
    for _ in range(49):
        rich_story()
    fifty_stories = {url: count_queries(client, url, warm=True) for url in feed_urls(section, author)}

    assert fifty_stories == one_story
    assert max(one_story.values()) <= FEED_BUDGET, one_story
    assert len(rss_items(client, f"/section/{section.slug}/feed/rss/")) == 50
