"""Plain builders for tests: ``make_article(**overrides)`` and friends."""

import io
import itertools
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Author, Byline, ImageCaption, Quote, Section, Source

_numbers = itertools.count(1)


def unique(prefix):
    return f"{prefix}-{next(_numbers)}"


def make_section(**overrides):
    slug = overrides.pop("slug", unique("section"))
    fields = {"name": slug.replace("-", " ").title(), "slug": slug}
    return Section.objects.create(**(fields | overrides))


def make_author(**overrides):
    slug = overrides.pop("slug", unique("author"))
    fields = {"name": slug.replace("-", " ").title(), "slug": slug, "bio": "Writes about the city."}
    return Author.objects.create(**(fields | overrides))


def make_source(**overrides):
    fields = {"name": unique("Source Person"), "role": "spokeswoman", "organisation": "Port Authority"}
    return Source.objects.create(**(fields | overrides))


def make_article(**overrides):
    """A live story unless overridden: published an hour ago, with a section and body."""
    slug = overrides.pop("slug", unique("story"))
    fields = {
        "headline": f"Headline for {slug}",
        "slug": slug,
        "standfirst": "What happened, in a sentence.",
        "body": "<p>First paragraph.</p><p>Second paragraph.</p><p>Third.</p><p>Fourth.</p>",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    if "section" not in overrides:
        fields["section"] = make_section()
    return Article.objects.create(**(fields | overrides))


def jpeg_file(name="photo.jpg", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 140, 160)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def make_image(article, **overrides):
    fields = {
        "article": article,
        "image": jpeg_file(),
        "caption": "Boats in the harbour at dawn",
        "credit": "Jane Doe/Coastal Press",
        "alt_text": "Fishing boats moored in calm water",
    }
    return ImageCaption.objects.create(**(fields | overrides))


def make_quote(article, **overrides):
    fields = {"article": article, "text": "We will reopen on Monday", "is_pull_quote": True}
    if "source" not in overrides:
        fields["source"] = make_source()
    return Quote.objects.create(**(fields | overrides))


def add_byline(article, author=None, **overrides):
    fields = {"article": article, "author": author or make_author()}
    return Byline.objects.create(**(fields | overrides))


def make_rich_article(section=None, tags=("harbour", "transport", "council"), **overrides):
    """A live story with everything a page can show: bylines, tags, images and quotes."""
    article = make_article(section=section or make_section(), **overrides)
    article.tags.add(*tags)
    add_byline(article)
    add_byline(article, role=Byline.Role.PHOTOS)
    make_image(article, is_lead=True)
    make_image(article, position=2)
    make_quote(article)
    make_quote(article, is_pull_quote=False, position=2)
    make_quote(article, source=make_source(confidential=True, public_label="a senior official"), position=3)
    return article


def make_user(role=None, **overrides):
    """A staff account in one of the newsroom's roles ("Reporter", "Editor", "Chief editor")."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    username = overrides.pop("username", unique((role or "user").lower().replace(" ", "-")))
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True, **overrides)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_publishable(**overrides):
    """A draft with everything publication needs: section, body, a byline, a credited lead photo."""
    fields = {"status": Article.Status.DRAFT, "published_at": None}
    article = make_article(**(fields | overrides))
    add_byline(article)
    make_image(article, is_lead=True)
    return article


def count_queries(client, url, *, warm=False):
    """How many queries one GET of ``url`` costs (``warm``: with the sections menu and page cache as on a
    running site — the page cache emptied, the menu cached by a first page view)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if warm:
        cache.clear()
        client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def headlines(response, selector):
    """
    The text of the headlines (or, for headings, the heading text) inside what
    ``selector`` (CSS) picks on the page, in reading order: what a reader sees.
    """
    from lxml import html

    document = html.fromstring(response.content)
    found = []
    for element in document.cssselect(selector):
        targets = element.cssselect(".card__headline") or [element]
        found.extend(" ".join(target.text_content().split()) for target in targets)
    return found
