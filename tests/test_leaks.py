"""
The leak suite: nothing unpublished and no confidential identity ever reaches
a public surface.

One story waits in each non-public state, a confidential source is quoted in a
live story and another is among the sources it consulted; every field of each
carries a unique marker. The crawler asks for every public URL the site has —
pages, feeds, sitemaps, robots, search (queried with each marker), structured
data, error pages, the photos and their bytes, headers included — as an
anonymous reader and as a reporter, and no marker may appear anywhere. A URL
added to the site without being added to the crawler fails
``test_the_crawler_covers_every_public_url``.
"""

import io
import re
from datetime import timedelta

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from articles import search
from articles.images import sanitise
from articles.models import Article, Section
from tests.builders import add_byline, make_article, make_author, make_image, make_quote, make_source, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.browser.urls")]

S = Article.Status
DAY = timedelta(days=1)
HIDDEN_STATES = {
    "draft": {"status": S.DRAFT, "published_at": None},
    "in-review": {"status": S.IN_REVIEW, "published_at": None},
    "returned": {"status": S.RETURNED, "published_at": None},
    "approved": {"status": S.APPROVED, "published_at": None},
    "scheduled": {"status": S.PUBLISHED, "published_at": timezone.now() + DAY},
    "embargoed": {"status": S.PUBLISHED, "embargo_until": timezone.now() + DAY},
    "withdrawn": {"status": S.WITHDRAWN},
}
CONFIDENTIAL_FIELDS = ["name", "role", "organisation", "aliases", "email", "phone", "contact_notes"]


def marker(label):
    return f"zqleak{label.replace('-', '').replace('_', '')}x"


def photo_with_metadata(secret):
    picture = Image.new("RGB", (320, 200), (20, 90, 160))
    exif = Image.Exif()
    exif[0x010E] = secret  # ImageDescription
    exif[0x013B] = secret  # Artist
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 12.0)  # GPS latitude
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def newsroom():
    """The public story, the hidden ones and the confidential source; returns every marker."""
    markers = []
    section = Section.objects.create(name="News", slug="news")
    reporter_author = make_author(name="Public Reporter", slug="public-reporter")

    secret_fields = {field: marker(f"source{field}") for field in CONFIDENTIAL_FIELDS}
    secret_fields["email"] = f"{secret_fields['email']}@example.com"
    markers += list(secret_fields.values())
    source = make_source(**secret_fields, confidential=True, public_label="a senior official", kind="person")

    live = make_article(headline="Harbour audit published", section=section, slug="harbour-audit")
    live.tags.add("audit")
    add_byline(live, reporter_author)
    lead = make_image(live, image=sanitise(photo_with_metadata(marker("exif")), "audit.jpg"), is_lead=True)
    lead.ensure_renditions()
    markers.append(marker("exif"))
    make_quote(live, source=source, text="The figures were known in March", is_pull_quote=True)
    # Consulted but never quoted: the desk's list of the story's sources reaches no reader either.
    consulted_fields = {field: marker(f"consulted{field}") for field in CONFIDENTIAL_FIELDS}
    consulted_fields["email"] = f"{consulted_fields['email']}@example.com"
    markers += list(consulted_fields.values())
    live.sources.add(make_source(**consulted_fields, confidential=True, public_label="a port insider"))

    for state, fields in HIDDEN_STATES.items():
        label = marker(state)
        markers.append(label)
        story = make_article(
            headline=f"{label} headline",
            standfirst=f"{label} standfirst",
            body=f"<p>{label} body</p>",
            slug=f"hidden-{state}",
            section=section,
            **fields,
        )
        story.tags.add(f"{label}tag")
        add_byline(story, reporter_author)
        make_image(story, caption=f"{label} caption", credit=f"{label} credit", alt_text=f"{label} alt", is_lead=True)
        make_quote(story, text=f"{label} quote", source=make_source(name=f"Open Speaker {state}"))
        story.add_correction(f"{label} correction")
    live.add_correction("We misspelt the harbourmaster's name.")
    search.rebuild_index()
    return markers


def public_urls(client):
    """Every public URL, by URL pattern name, built for every story, section, tag and author."""
    stories = list(Article.objects.order_by("pk"))
    tags = sorted({tag.slug for story in stories for tag in story.tags.all()})
    sections = list(Section.objects.values_list("slug", flat=True))
    authors = ["public-reporter"]
    home = client.get("/").content.decode()
    media = sorted(set(re.findall(r'(?:src|srcset|href|content)="(/media/[^" ]+)', home)))
    article_page = client.get("/story/harbour-audit/").content.decode()
    media += sorted(set(re.findall(r"(/media/[^\s\",]+)", article_page)))
    story_urls = [reverse("articles:detail", args=[story.slug]) for story in stories]
    return {
        "favicon": ["/favicon.ico"],
        "robots": ["/robots.txt"],
        "sitemap_index": ["/sitemap.xml"],
        "sitemap_news": ["/sitemap-news.xml"],
        "sitemap": [f"/sitemap-{name}.xml" for name in ("articles", "sections", "tags", "authors")],
        "articles:home": ["/", "/?page=2"],
        "articles:feed_rss": ["/feed/rss/"],
        "articles:feed_atom": ["/feed/atom/"],
        "articles:detail": [*story_urls, "/story/no-such-story/"],
        "articles:section": [reverse("articles:section", args=[slug]) for slug in sections],
        "articles:section_feed_rss": [reverse("articles:section_feed_rss", args=[slug]) for slug in sections],
        "articles:section_feed_atom": [reverse("articles:section_feed_atom", args=[slug]) for slug in sections],
        "articles:tag": [reverse("articles:tag", args=[slug]) for slug in tags],
        "articles:tag_feed_rss": [reverse("articles:tag_feed_rss", args=[slug]) for slug in tags],
        "articles:tag_feed_atom": [reverse("articles:tag_feed_atom", args=[slug]) for slug in tags],
        "articles:author": [reverse("articles:author", args=[slug]) for slug in authors],
        "articles:author_feed_rss": [reverse("articles:author_feed_rss", args=[slug]) for slug in authors],
        "articles:author_feed_atom": [reverse("articles:author_feed_atom", args=[slug]) for slug in authors],
        "articles:search": ["/search/?q=harbour", "/search/?q=senior+official"],
        "articles:corrections": ["/corrections/"],
        "articles:corrections_feed": ["/corrections/feed/"],
        "articles:preview": [reverse("articles:preview", args=[story.pk]) for story in stories],
        "articles:shared_preview": [reverse("articles:shared_preview", args=["forged:token"])],
        "media": media,
    }


def public_pattern_names():
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin"):
                    continue
                walk(pattern.url_patterns, f"{pattern.namespace}:" if pattern.namespace else namespace)
            else:
                names.add(namespace + (pattern.name or str(pattern.pattern)).replace("favicon.ico", "favicon"))

    walk(get_resolver().url_patterns)
    return names


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def leaks_in(response, markers):
    text = body(response).decode(errors="replace").lower()
    headers = " ".join(f"{key}: {value}" for key, value in response.items()).lower()
    found = [m for m in markers if m in text or m in headers]
    slugs = [f"hidden-{state}" for state in HIDDEN_STATES]
    own = response.wsgi_request.path
    found += [slug for slug in slugs if slug in text and slug not in own]
    return found


def crawl(client, markers, skip=()):
    crawled = 0
    for name, urls in public_urls(client).items():
        if name in skip:
            continue
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, url
            assert leaks_in(response, markers) == [], url
            crawled += 1
    return crawled


def test_the_crawler_covers_every_public_url(client, newsroom):
    covered = set(public_urls(client))

    assert public_pattern_names() - covered == set(), "add the new public URL to the leak crawler"


def test_an_anonymous_reader_finds_no_hidden_story_and_no_confidential_identity(client, newsroom):
    crawled = crawl(client, newsroom)

    assert crawled > 40
    assert "a senior official" in client.get("/story/harbour-audit/").content.decode()


def test_a_reporter_on_the_public_site_finds_nothing_more(client, newsroom):
    client.force_login(make_user("Reporter"))

    # Staff preview is the desk's own window on unpublished stories, not a public page.
    crawl(client, newsroom, skip={"articles:preview"})


def test_searching_for_a_hidden_value_answers_like_searching_for_nonsense(client, newsroom):
    def page(query):
        return client.get("/search/", {"q": query}).content.decode().replace(query, "QUERY")

    nonsense = page("qxzvbnmplk")
    for value in newsroom:
        assert page(value) == nonsense, value


def test_photo_bytes_carry_no_metadata_from_the_original(client, newsroom):
    urls = public_urls(client)["media"]
    assert len(urls) >= 3  # the original and its renditions
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        data = body(response)
        assert marker("exif").encode() not in data, url
        assert b"GPS" not in data, url
        assert response["X-Content-Type-Options"] == "nosniff"


def test_hidden_stories_answer_404_or_410_and_say_nothing(client, newsroom):
    for state in HIDDEN_STATES:
        response = client.get(f"/story/hidden-{state}/")
        assert response.status_code == (410 if state == "withdrawn" else 404), state
        assert leaks_in(response, newsroom) == [], state
