"""
A confidential source's identity never leaves the admin.

A unique marker is planted in every private field of a confidential source quoted — as a
pull quote too — in a live story, and of another the story consulted without quoting; then
every public URL the site has is requested, as a reader would, and the marker must appear
in no body and no header.
"""

import io
import itertools
from datetime import timedelta

import pytest
from django.core import signing
from django.core.management import call_command
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone

from articles.models import Article, ShareLink, Source
from articles.search import index_articles
from articles.sitemaps import SITEMAPS
from tests.builders import (
    add_byline,
    make_article,
    make_author,
    make_image,
    make_quote,
    make_section,
    make_source,
    make_user,
)

pytestmark = pytest.mark.django_db

MARKER = "qzvmarkerxq"
NONSENSE = "wjkpfiller"  # as long as MARKER, found nowhere
PUBLIC_LABEL = "a senior harbour official"
# Not reader-facing: uploaded files served as they are.
NOT_PAGES = {"media"}


@pytest.fixture
def newsroom():
    section = make_section(name="Harbour", slug="harbour")
    author = make_author(name="Ann Reporter", slug="ann-reporter")
    secret = make_source(
        name=f"Hugo {MARKER}",
        role=f"{MARKER} harbour master",
        organisation=f"{MARKER} Port Authority",
        aliases=f"Mr {MARKER}\n{MARKER} the insider",
        email=f"{MARKER}@example.com",
        phone=f"+44 {MARKER}",
        contact_notes=f"Call {MARKER} after ten.",
        confidential=True,
        public_label=PUBLIC_LABEL,
    )
    story = make_article(
        headline="Quay repairs were hushed up",
        slug="quay-repairs-hushed-up",
        section=section,
        body=(
            "<p>Repairs to the north quay were kept quiet for a year.</p>"
            "<p>“It was hushed up,” a senior harbour official said.</p>"
            "<p>“Nobody was told,” the official added.</p>"
        ),
        published_at=timezone.now() - timedelta(hours=2),
    )
    add_byline(story, author)
    story.tags.add("north-quay")
    make_image(story, is_lead=True)
    make_quote(story, source=secret, text="It was hushed up", is_pull_quote=True, position=0)
    make_quote(story, source=secret, text="Nobody was told", is_pull_quote=False, position=1)
    make_quote(story, source=make_source(name="Maria Lindqvist"), text="We will look into it", position=2)
    # Consulted, never quoted: the story's list of sources consulted stays in the building too.
    story.sources.add(
        make_source(
            name=f"Ines {MARKER}",
            role=f"{MARKER} surveyor",
            organisation=f"{MARKER} Dock Company",
            aliases=f"Ms {MARKER}",
            email=f"ines.{MARKER}@example.com",
            phone=f"+44 1{MARKER}",
            contact_notes=f"Only by {MARKER} post.",
            confidential=True,
            public_label="a dock surveyor",
        )
    )
    story.add_correction("An earlier version gave the wrong quay.")
    link = ShareLink.objects.create(article=story, expires_at=timezone.now() + timedelta(days=1))

    withdrawn = make_article(
        slug="withdrawn-quay-story", section=section, withdrawal_notice="Withdrawn for legal reasons."
    )
    make_quote(withdrawn, source=secret, text="Withdrawn words", is_pull_quote=True)
    Article.objects.filter(pk=withdrawn.pk).update(status=Article.Status.WITHDRAWN)
    index_articles([story.pk, withdrawn.pk])  # as saving them from the desk would

    return {
        "story": story,
        "section": section,
        "author": author,
        "tag": story.tags.get(),
        "signed": signing.TimestampSigner(salt=ShareLink.SALT).sign(link.token),
        "withdrawn": withdrawn,
    }


def argument_values(name, param, newsroom):
    """The values a public URL's parameter takes for the fixture's story, or None when unknown."""
    story = newsroom["story"]
    by_kind = {
        "detail": story.slug,
        "section": newsroom["section"].slug,
        "tag": newsroom["tag"].slug,
        "author": newsroom["author"].slug,
    }
    if param == "slug":
        kind = next((prefix for prefix in by_kind if name.split(":")[-1].startswith(prefix)), None)
        return [by_kind[kind]] if kind else None
    published = timezone.localtime(story.published_at)
    return {
        "pk": [story.pk],
        "signed": [newsroom["signed"]],
        "section": list(SITEMAPS),  # the sitemap's sections
        "year": [published.year],
        "month": [published.month],
        "day": [published.day],
        "page": [1],
    }.get(param)


def public_urls(newsroom):
    """Every URL the resolver knows outside the admin, built with the fixture's slugs."""
    resolver = get_resolver()
    named = [("", name, entries) for name, entries in resolver.reverse_dict.items() if isinstance(name, str)]
    for namespace, (_, sub) in resolver.namespace_dict.items():
        if namespace != "admin":
            named += [(f"{namespace}:", n, e) for n, e in sub.reverse_dict.items() if isinstance(n, str)]
    urls, unknown = set(), []
    for prefix, name, entries in named:
        if name in NOT_PAGES:
            continue
        params = entries[0][0][1]
        choices = {param: argument_values(prefix + name, param, newsroom) for param in params}
        if any(values is None for values in choices.values()):
            unknown.append(prefix + name)
            continue
        for combination in itertools.product(*choices.values()):
            urls.add(reverse(prefix + name, kwargs=dict(zip(choices, combination, strict=True))))
    assert not unknown, f"teach this test to build {unknown} so that the marker is looked for there too"
    return sorted(urls)


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_marker(response, url):
    assert MARKER not in body_of(response).lower(), f"{url} shows the confidential source's identity"
    for header, value in response.items():
        assert MARKER not in f"{header}: {value}".lower(), f"{url} leaks it in the {header} header"


def test_no_public_url_reveals_a_confidential_source(client, newsroom):
    urls = public_urls(newsroom)
    story_url = newsroom["story"].get_absolute_url()
    assert story_url in urls
    assert reverse("articles:home") in urls
    assert "/robots.txt" in urls
    urls += ["/story/no-such-story/", "/no-such-page/", newsroom["withdrawn"].get_absolute_url()]

    statuses = {}
    for url in urls:
        response = client.get(url)
        statuses[url] = response.status_code
        assert_no_marker(response, url)

    story_page = client.get(story_url).text
    assert "It was hushed up" in story_page and PUBLIC_LABEL in story_page  # the pull quote is on the page
    assert statuses[story_url] == 200
    assert statuses["/story/no-such-story/"] == 404
    assert statuses[newsroom["withdrawn"].get_absolute_url()] == 410
    assert sum(status == 200 for status in statuses.values()) >= 15


def test_searching_for_a_confidential_identity_answers_like_searching_nonsense(client, newsroom):
    try:
        url = reverse("articles:search")
    except NoReverseMatch:
        pytest.skip("the site has no search page yet")

    marker_page = client.get(url, {"q": MARKER})
    nonsense_page = client.get(url, {"q": NONSENSE})

    assert marker_page.status_code == nonsense_page.status_code
    for header, value in marker_page.items():
        assert MARKER not in value.lower(), f"search leaks it in the {header} header"
    # The page may repeat what was searched for; apart from that it must be the page nothing matches.
    assert body_of(marker_page).replace(MARKER, NONSENSE) == body_of(nonsense_page)
    assert "Quay repairs were hushed up" in client.get(url, {"q": "hushed"}).text  # while the story is findable


def test_an_export_names_a_confidential_source_only_by_its_label(newsroom):
    output = io.StringIO()

    call_command("export_articles", stdout=output)

    assert PUBLIC_LABEL in output.getvalue()
    assert "a dock surveyor" in output.getvalue()  # the source consulted, by its label
    assert MARKER not in output.getvalue().lower()


@pytest.mark.ignore_template_errors
def test_a_source_made_confidential_in_the_admin_leaves_the_search_index(client, django_capture_on_commit_callbacks):
    source = make_source(name=f"Hugo {MARKER}", role="harbour master", organisation="Port Authority")
    story = make_article(headline="Quay repairs delayed", body="<p>The repairs are late.</p>")
    make_quote(story, source=source, text="We are behind")
    index_articles([story.pk])
    search_url = reverse("articles:search")
    assert "Quay repairs delayed" in client.get(search_url, {"q": MARKER}).text

    client.force_login(make_user("Chief editor"))
    data = {
        "name": source.name,
        "kind": source.kind,
        "role": source.role,
        "organisation": source.organisation,
        "aliases": "",
        "confidential": "on",
        "public_label": PUBLIC_LABEL,
        "email": "",
        "phone": "",
        "contact_notes": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_source_change", args=[source.pk]), data)
    assert response.status_code == 302
    assert Source.objects.get(pk=source.pk).confidential
    client.logout()

    assert "Quay repairs delayed" not in client.get(search_url, {"q": MARKER}).text
    assert "Quay repairs delayed" in client.get(search_url, {"q": "senior harbour official"}).text
