import json
import re
from datetime import datetime, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import structured_data
from articles.models import Article, Correction
from tests.builders import (
    add_byline,
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
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def json_ld_blocks(html):
    return [json.loads(block) for block in JSON_LD.findall(html)]


def of_type(html, schema_type):
    return next(block for block in json_ld_blocks(html) if block.get("@type") == schema_type)


def head(html):
    return html.split("</head>", 1)[0]


def meta(html, name):
    """The content of every ``<meta property|name=…>`` with that name, in order."""
    return re.findall(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', html)


def reporter(django_user_model, **fields):
    """An author with a staff account: a Person in structured data."""
    user = django_user_model.objects.create_user(username=f"user-{fields.get('slug', 'x')}", password="pw")
    return make_author(user=user, **fields)


def test_article_page_carries_a_news_article_that_parses_as_schema_org(client, django_user_model):
    section = make_section(name="Politics", slug="politics")
    article = make_rich_article(section=section, headline="Council approves harbour budget", slug="budget")
    article.bylines.all().delete()
    add_byline(article, reporter(django_user_model, name="Maria Okafor", slug="maria", job_title="City editor"))
    add_byline(article, make_author(name="Coastal Press Agency", slug="cpa"), role="additional-reporting")
    add_byline(article, make_author(name="Sam Lens", slug="sam"), role="photos")
    article.add_correction("An earlier version misspelt the mayor's name.", at=timezone.now() - HOUR)
    article.add_correction("This story was updated with the vote.", kind=Correction.Kind.UPDATE)
    lead = article.images.get(is_lead=True)

    html = client.get(article.get_absolute_url()).text
    data = of_type(html, "NewsArticle")

    url = "http://testserver/story/budget/"
    assert data["@context"] == "https://schema.org"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["url"] == url
    assert data["headline"] == "Council approves harbour budget"
    assert data["description"] == "What happened, in a sentence."
    assert data["image"] == [
        {
            "@type": "ImageObject",
            "url": f"http://testserver{lead.image.url}",
            "width": 64,
            "height": 48,
            "caption": "Boats in the harbour at dawn",
            "creditText": "Jane Doe/Coastal Press",
        }
    ]
    article.refresh_from_db()
    assert datetime.fromisoformat(data["datePublished"]) == article.published_at
    assert datetime.fromisoformat(data["dateModified"]) == article.updated_at
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Maria Okafor",
            "url": "http://testserver/author/maria/",
            "jobTitle": "City editor",
        },
        {"@type": "Organization", "name": "Coastal Press Agency", "url": "http://testserver/author/cpa/"},
    ]
    assert data["publisher"]["@type"] == "NewsMediaOrganization"
    assert data["publisher"]["name"] == "The Harbour Gazette"
    assert data["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": "http://testserver/static/articles/logo.png",
        "width": structured_data.LOGO_WIDTH,
        "height": structured_data.LOGO_HEIGHT,
    }
    assert data["articleSection"] == "Politics"
    assert sorted(data["keywords"]) == ["council", "harbour", "transport"]
    assert data["isAccessibleForFree"] is True
    assert data["inLanguage"] == "en-GB"
    assert len(data["correction"]) == 1  # the update note is not a correction
    correction = data["correction"][0]
    assert correction["@type"] == "CorrectionComment"
    assert correction["text"] == "An earlier version misspelt the mayor's name."
    assert datetime.fromisoformat(correction["datePublished"]) < timezone.now()


def test_article_page_has_breadcrumbs_home_section_headline(client):
    article = make_article(section=make_section(name="Sport", slug="sport"), headline="Derby ends level", slug="derby")

    crumbs = of_type(client.get(article.get_absolute_url()).text, "BreadcrumbList")

    assert crumbs["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": "http://testserver/"},
        {"@type": "ListItem", "position": 2, "name": "Sport", "item": "http://testserver/section/sport/"},
        {"@type": "ListItem", "position": 3, "name": "Derby ends level", "item": "http://testserver/story/derby/"},
    ]


def test_headline_cannot_break_out_of_the_json_ld_script(client):
    hostile = 'Row over </script><script>alert(1)</script> & "<!--" at the port'
    article = make_article(headline=hostile, standfirst="</SCRIPT><img src=x onerror=alert(2)>")

    html = client.get(article.get_absolute_url()).text

    for block in JSON_LD.findall(html):
        assert "<" not in block and ">" not in block
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    data = of_type(html, "NewsArticle")
    assert data["headline"] == hostile
    assert data["description"] == "</SCRIPT><img src=x onerror=alert(2)>"


def test_json_ld_escapes_like_json_script():
    rendered = structured_data.json_ld({"headline": "a</script>&b"})

    assert rendered == '<script type="application/ld+json">{"headline":"a\\u003C/script\\u003E\\u0026b"}</script>'


def test_article_page_meta_tags_describe_the_story_and_its_lead_photo(client):
    article = make_rich_article(
        section=make_section(name="Politics"), headline="Bridge reopens", slug="bridge", standfirst="After repairs."
    )
    lead = article.images.get(is_lead=True)

    html = head(client.get(article.get_absolute_url(), secure=True).text)

    image_url = f"https://testserver{lead.image.url}"
    assert meta(html, "description") == ["After repairs."]
    assert '<link rel="canonical" href="https://testserver/story/bridge/">' in html
    assert meta(html, "og:type") == ["article"]
    assert meta(html, "og:title") == ["Bridge reopens"]
    assert meta(html, "og:description") == ["After repairs."]
    assert meta(html, "og:url") == ["https://testserver/story/bridge/"]
    assert meta(html, "og:site_name") == ["The Harbour Gazette"]
    assert meta(html, "og:image") == [image_url]
    assert meta(html, "og:image:width") == ["64"] and meta(html, "og:image:height") == ["48"]
    assert meta(html, "og:image:alt") == ["Fishing boats moored in calm water"]
    assert meta(html, "twitter:card") == ["summary_large_image"]
    assert meta(html, "twitter:image") == [image_url]
    assert meta(html, "twitter:image:alt") == ["Fishing boats moored in calm water"]
    assert meta(html, "article:published_time") == [timezone.localtime(article.published_at).isoformat()]
    assert len(meta(html, "article:modified_time")) == 1
    assert meta(html, "article:section") == ["Politics"]
    assert sorted(meta(html, "article:tag")) == ["council", "harbour", "transport"]
    assert meta(html, "article:author") == [f"https://testserver{article.bylines.first().author.get_absolute_url()}"]


def test_story_without_a_photo_gets_a_summary_card_and_a_decorative_one_no_alt(client):
    plain = make_article()
    decorated = make_article()
    make_image(decorated, is_lead=True, is_decorative=True, alt_text="")

    plain_head = head(client.get(plain.get_absolute_url()).text)
    decorated_head = head(client.get(decorated.get_absolute_url()).text)

    assert meta(plain_head, "twitter:card") == ["summary"]
    assert meta(plain_head, "og:image") == []
    assert "image" not in of_type(plain_head, "NewsArticle")
    assert meta(decorated_head, "twitter:card") == ["summary_large_image"]
    assert meta(decorated_head, "og:image:alt") == [] and meta(decorated_head, "twitter:image:alt") == []


def test_story_without_standfirst_is_described_by_its_opening_words(client):
    article = make_article(standfirst="", body="<p>The ferry &amp; the bridge both closed.</p><p>More.</p>")

    html = head(client.get(article.get_absolute_url()).text)

    assert meta(html, "description") == ["The ferry &amp; the bridge both closed. More."]
    assert of_type(html, "NewsArticle")["description"] == "The ferry & the bridge both closed. More."


def test_confidential_source_appears_nowhere_in_meta_or_structured_data(client):
    article = make_rich_article(headline="Ministry knew in March")
    secret = make_source(
        name="Eva Brandt",
        role="deputy director",
        organisation="Interior Ministry",
        confidential=True,
        public_label="a senior official",
    )
    make_quote(article, source=secret, text="The figures were known in March", is_pull_quote=True)

    html = client.get(article.get_absolute_url()).text

    assert "a senior official" in html  # the page quotes her by her label
    for secret_detail in ("Eva Brandt", "deputy director", "Interior Ministry"):
        assert secret_detail not in html
        assert secret_detail not in json.dumps(json_ld_blocks(html))


def test_list_pages_have_their_own_title_description_and_canonical(client, settings):
    section = make_section(name="Politics", slug="politics", description="Council and parliament.")
    author = make_author(name="Maria Okafor", slug="maria", bio="Covers the port.")
    for hours in range(settings.ARTICLES_PER_PAGE + 1):
        article = make_article(section=section, published_at=timezone.now() - (hours + 1) * HOUR)
        article.tags.add("harbour")
        add_byline(article, author)

    pages = {
        "/": ("The Harbour Gazette", "News from the city and the coast"),
        "/section/politics/": ("Politics", "Council and parliament."),
        "/tag/harbour/": ("Harbour", "Stories about harbour from The Harbour Gazette."),
        "/author/maria/": ("Maria Okafor", "Covers the port."),
        "/corrections/": (
            "Corrections and clarifications",
            "Every correction, clarification and update note added to stories in The Harbour Gazette.",
        ),
    }
    for path, (title, description) in pages.items():
        html = head(client.get(f"{path}?utm_source=newsletter").text)
        assert f'<link rel="canonical" href="http://testserver{path}">' in html, path
        assert meta(html, "og:title") == [title], path
        assert meta(html, "description") == [description], path
        assert meta(html, "og:type") == ["website"], path
        assert meta(html, "twitter:card") == ["summary"], path

    second_page = head(client.get("/section/politics/?page=2").text)
    assert '<link rel="canonical" href="http://testserver/section/politics/?page=2">' in second_page


def test_home_page_describes_the_site_and_its_publisher(client):
    html = client.get(reverse("articles:home")).text

    graph = json_ld_blocks(html)[0]["@graph"]
    website, organization = graph
    assert website["@type"] == "WebSite"
    assert website["url"] == "http://testserver/"
    assert website["name"] == "The Harbour Gazette"
    assert website["publisher"] == {"@id": "http://testserver/#organization"}
    assert organization["@type"] == "NewsMediaOrganization"
    assert organization["@id"] == "http://testserver/#organization"
    assert organization["logo"]["url"] == "http://testserver/static/articles/logo.png"


def test_pages_point_at_their_feeds(client):
    article = make_article(section=make_section(slug="politics"))
    article.tags.add("harbour")
    author = make_author(slug="maria")
    add_byline(article, author)

    feeds = {
        "/": ["/feed/rss/", "/feed/atom/"],
        "/section/politics/": ["/section/politics/feed/rss/", "/section/politics/feed/atom/"],
        "/tag/harbour/": ["/tag/harbour/feed/rss/", "/tag/harbour/feed/atom/"],
        "/author/maria/": ["/author/maria/feed/rss/", "/author/maria/feed/atom/"],
        article.get_absolute_url(): ["/section/politics/feed/rss/"],
    }
    for path, feed_urls in feeds.items():
        html = head(client.get(path).text)
        for feed_url in feed_urls:
            assert f'href="{feed_url}"' in html, (path, feed_url)
            assert client.get(feed_url).status_code == 200, feed_url


def test_logo_is_a_small_png_of_the_declared_size():
    path = finders.find(structured_data.LOGO)

    with Image.open(path) as logo:
        assert logo.format == "PNG"
        assert logo.size == (structured_data.LOGO_WIDTH, structured_data.LOGO_HEIGHT)
    with open(path, "rb") as file:
        assert len(file.read()) < 10_000


def test_structured_data_reads_only_what_the_article_page_fetched(django_assert_num_queries):
    article = make_rich_article()
    article.add_correction("A correction.")
    story = Article.objects.live().for_detail().get(pk=article.pk)
    story.public_corrections = list(story.corrections.all())  # as the article view hands them over
    request = RequestFactory().get(story.get_absolute_url())

    with django_assert_num_queries(0):
        data = structured_data.news_article(story, request)
        structured_data.breadcrumbs(story, request)

    assert data["correction"][0]["text"] == "A correction."


def test_draft_preview_renders_its_metadata_without_dates(admin_client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, headline="Draft for preview")

    html = admin_client.get(reverse("articles:preview", args=[draft.pk])).text

    data = of_type(html, "NewsArticle")
    assert data["headline"] == "Draft for preview"
    assert "datePublished" not in data
    assert meta(html, "article:published_time") == []
    assert '<meta name="robots" content="noindex, nofollow">' in html


@pytest.mark.django_db
def test_shares_and_search_results_get_the_1200_pixel_copy_of_the_lead_photo(client):
    from tests.builders import jpeg_file

    article = make_article()
    photo = make_image(article, image=jpeg_file(size=(1600, 1000)), is_lead=True)
    photo.ensure_renditions()

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<meta property="og:image:width" content="1200">' in html
    assert "-1200.jpg" in html
