from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.builders import (
    add_byline,
    count_queries,
    headlines,
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

HIDDEN_STATES = {
    "draft": {"status": "draft", "published_at": None},
    "in review": {"status": "in_review", "published_at": None},
    "returned": {"status": "returned", "published_at": None},
    "approved": {"status": "approved", "published_at": None},
    "scheduled": {"status": "published", "published_at": timezone.now() + 24 * HOUR},
    "embargoed": {"status": "published", "embargo_until": timezone.now() + 24 * HOUR},
}


def listing_urls(article, author):
    return [
        reverse("articles:home"),
        article.section.get_absolute_url(),
        reverse("articles:tag", args=["harbour"]),
        author.get_absolute_url(),
    ]


def story_in_every_place(**fields):
    article = make_article(headline="UNIQUE-HEADLINE-MARKER", **fields)
    article.tags.add("harbour")
    author = make_author()
    add_byline(article, author)
    return article, author


def test_live_story_appears_on_every_public_page(client):
    article, author = story_in_every_place()

    for url in [*listing_urls(article, author), article.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "UNIQUE-HEADLINE-MARKER" in response.text, url


@pytest.mark.parametrize("state", HIDDEN_STATES)
def test_non_public_story_is_404_and_absent_from_every_listing(client, state):
    article, author = story_in_every_place(**HIDDEN_STATES[state])

    assert client.get(article.get_absolute_url()).status_code == 404
    for url in listing_urls(article, author):
        response = client.get(url)
        # A topic carried only by unpublished stories does not exist for readers.
        assert response.status_code == (404 if url.startswith("/tag/") else 200), url
        assert "UNIQUE-HEADLINE-MARKER" not in response.text, url


def test_withdrawn_story_answers_410_with_its_public_notice(client):
    article, author = story_in_every_place(
        status=Article.Status.WITHDRAWN, withdrawal_notice="Withdrawn after a legal complaint."
    )

    response = client.get(article.get_absolute_url())

    assert response.status_code == 410
    assert "Withdrawn after a legal complaint." in response.text
    assert "UNIQUE-HEADLINE-MARKER" not in response.text
    for url in listing_urls(article, author):
        assert "UNIQUE-HEADLINE-MARKER" not in client.get(url).text, url


def test_withdrawn_story_that_was_never_public_is_simply_not_found(client):
    article = make_article(status=Article.Status.WITHDRAWN, published_at=None)

    assert client.get(article.get_absolute_url()).status_code == 404


def test_unknown_addresses_answer_404_with_the_friendly_page(client):
    for url in ["/story/no-such-story/", "/section/nowhere/", "/tag/nothing/", "/author/nobody/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We can’t find that page" in response.text


def test_article_page_shows_the_whole_story(client):
    article = make_rich_article(headline="Bridge reopens", standfirst="After six months of repairs.")
    lead = article.images.get(is_lead=True)

    html = client.get(article.get_absolute_url()).text

    assert '<h1 class="story__headline">Bridge reopens</h1>' in html
    assert "After six months of repairs." in html
    for byline in article.bylines.select_related("author"):
        assert byline.author.name in html
    assert "(photos)" in html
    assert f'<time datetime="{timezone.localtime(article.published_at).isoformat()}' in html
    assert lead.image.url in html
    assert f'alt="{lead.alt_text}"' in html
    assert '<figcaption>Boats in the harbour at dawn <span class="credit">Jane Doe/Coastal Press</span>' in html
    assert 'class="pull-quote"' in html
    assert "We will reopen on Monday" in html
    for tag in ["harbour", "transport", "council"]:
        assert f'href="/tag/{tag}/"' in html


def test_article_page_shows_only_pull_quotes_and_confidential_sources_by_label(client):
    article = make_article()
    named = make_source(name="Maria Lindqvist", role="spokeswoman", organisation="Interior Ministry")
    secret = make_source(name="Eva Brandt", role="deputy", confidential=True, public_label="a senior official")
    make_quote(article, source=named, text="We will reopen on Monday")
    make_quote(article, source=secret, text="The figures were known in March")
    make_quote(article, source=named, text="Not for the pull quote", is_pull_quote=False)

    html = client.get(article.get_absolute_url()).text

    assert "Maria Lindqvist" in html
    assert "spokeswoman, Interior Ministry" in html
    assert "a senior official" in html
    assert "The figures were known in March" in html
    assert "Eva Brandt" not in html
    assert "Not for the pull quote" not in html


def test_caption_awaiting_its_photo_is_never_shown(client):
    article = make_article()
    make_image(article, image="", alt_text="", is_lead=True, caption="CAPTION-WITHOUT-PHOTO")

    assert "CAPTION-WITHOUT-PHOTO" not in client.get(article.get_absolute_url()).text
    assert "CAPTION-WITHOUT-PHOTO" not in client.get(reverse("articles:home")).text


def test_body_markup_is_sanitised_on_the_page_even_if_stored_raw(client):
    article = make_article()
    Article.objects.filter(pk=article.pk).update(
        body="<p>Safe</p><script>alert('x')</script><img src=x onerror=alert(1)>"
    )

    html = client.get(article.get_absolute_url()).text

    assert "<p>Safe</p>" in html
    assert "alert(" not in html


def test_home_leads_with_the_newest_story_and_paginates(client, settings):
    section = make_section()
    now = timezone.now()
    for hours in range(1, 16):
        make_article(section=section, headline=f"Story {hours:02d}", published_at=now - hours * HOUR)

    first = client.get(reverse("articles:home"))
    second = client.get(reverse("articles:home"), {"page": 2})

    assert headlines(first, ".front-lead") == ["Story 01"]
    assert headlines(first, "#latest-heading + .story-grid")[:2] == ["Story 02", "Story 03"]
    assert len(headlines(first, ".front-lead, #latest-heading + .story-grid")) == settings.ARTICLES_PER_PAGE
    assert headlines(second, ".front-lead") == []
    assert headlines(second, "#latest-heading + .story-grid") == ["Story 13", "Story 14", "Story 15"]
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text
    assert client.get(reverse("articles:home"), {"page": 9}).status_code == 404


def test_section_page_lists_only_its_own_stories(client):
    ours, theirs = make_section(name="Politics", slug="politics"), make_section()
    make_article(section=ours, headline="Council budget row")
    make_article(section=theirs, headline="Football club promoted")

    html = client.get(ours.get_absolute_url()).text

    assert "Council budget row" in html
    assert "Football club promoted" not in html


def test_author_page_shows_bio_and_each_story_once(client):
    author = make_author(name="Maria Okafor", bio="Covers the port.", job_title="Home affairs correspondent")
    article = make_article(headline="Port deal signed")
    add_byline(article, author)
    add_byline(article, author, role="analysis")

    response = client.get(author.get_absolute_url())

    assert "Covers the port." in response.text
    assert "Home affairs correspondent" in response.text
    assert headlines(response, "main") == ["Port deal signed"]


# Query counts: a page costs the same with one story as with many, however many
# tags, bylines, images and quotes each has.


def page_urls(article):
    author = article.bylines.first().author
    return {
        "home": reverse("articles:home"),
        "section": article.section.get_absolute_url(),
        "tag": reverse("articles:tag", args=["harbour"]),
        "author": author.get_absolute_url(),
        "article": article.get_absolute_url(),
    }


@pytest.mark.parametrize("page", ["home", "section", "tag", "author", "article"])
def test_public_page_query_count_does_not_grow_with_stories(client, page, django_assert_max_num_queries):
    section = make_section()
    author = make_author()
    first = make_rich_article(section=section)
    first.bylines.update(author=author)
    url = page_urls(first)[page]
    one_story = count_queries(client, url)

    for _ in range(8):
        article = make_rich_article(section=section)
        article.bylines.filter(role="reporting").update(author=author)

    with django_assert_max_num_queries(one_story):
        response = client.get(url)
    assert response.status_code == 200
    if page != "article":
        assert len(response.context["articles"]) == 9


def test_article_page_says_updated_only_when_edited_well_after_publication(client):
    edited_later = make_article(published_at=timezone.now() - 2 * HOUR)  # saved now, two hours on
    just_out = make_article(published_at=timezone.now())

    assert "Updated" in client.get(edited_later.get_absolute_url()).text
    assert "Updated" not in client.get(just_out.get_absolute_url()).text


# The query budgets of the public site, with a full archive behind each page.

BUDGETS = {"home": 8, "section": 6, "tag": 6, "author": 6, "article": 6}


@pytest.mark.parametrize("page", list(BUDGETS))
def test_public_page_stays_within_its_query_budget_with_fifty_rich_stories(
    client, page, django_assert_max_num_queries
):
    sections = [make_section() for _ in range(3)]
    author = make_author()
    stories = [make_rich_article(section=sections[n % 3]) for n in range(50)]
    for story in stories:
        story.bylines.filter(role="reporting").update(author=author)

    url = page_urls(stories[-1])[page]
    client.get("/")  # any first page view caches the sections menu, as on a running site

    with django_assert_max_num_queries(BUDGETS[page]):
        response = client.get(url)
    assert response.status_code == 200


def test_home_shows_a_block_per_section_with_its_newest_stories(client):
    now = timezone.now()
    politics = make_section(name="Politics", slug="politics", position=1)
    sport = make_section(name="Sport", slug="sport", position=2)
    for hours in range(6):
        make_article(section=politics, headline=f"Politics {hours}", published_at=now - (hours + 1) * HOUR)
        make_article(section=sport, headline=f"Sport {hours}", published_at=now - (hours + 1) * HOUR)
    make_article(section=sport, headline="Sport draft", status="draft", published_at=None)

    response = client.get("/")

    assert headlines(response, ".section-front h2") == ["Politics", "Sport"]
    assert headlines(response, "#front-politics + .story-grid") == [
        "Politics 0",
        "Politics 1",
        "Politics 2",
        "Politics 3",
    ]
    assert "Sport draft" not in response.text


def test_a_section_out_of_the_menu_has_no_menu_item_or_front_block_but_stays_public(client):
    now = timezone.now()
    politics = make_section(name="Politics", slug="politics", position=1)
    archive = make_section(name="Old Blog Category", slug="old-blog-category", in_navigation=False)
    make_article(section=politics, headline="Council votes", published_at=now - HOUR)
    story = make_article(section=archive, headline="From the archive", published_at=now - 2 * HOUR)

    home = client.get("/")

    assert headlines(home, ".sections-nav li") == ["Home", "Politics"]
    assert headlines(home, ".section-front h2") == ["Politics"]
    assert "From the archive" in home.text  # among the latest, as every live story is
    assert client.get(archive.get_absolute_url()).status_code == 200
    assert "Old Blog Category" in client.get(story.get_absolute_url()).text


def test_related_stories_share_tags_first_then_the_section(client):
    section = make_section()
    article = make_article(section=section)
    article.tags.add("ferries", "harbour")
    both = make_article(headline="Shares both tags", published_at=timezone.now() - 5 * HOUR)
    both.tags.add("ferries", "harbour")
    one = make_article(headline="Shares one tag")
    one.tags.add("ferries")
    make_article(headline="Same section only", section=section)
    hidden = make_article(headline="Hidden draft", status="draft", published_at=None)
    hidden.tags.add("ferries", "harbour")
    make_article(headline="Unrelated")

    related = [story.headline for story in client.get(article.get_absolute_url()).context["related"]]

    assert related == ["Shares both tags", "Shares one tag", "Same section only"]
