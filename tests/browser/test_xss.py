"""
The XSS suite: hostile text in every field editors or imports can fill, then
every page, feed and admin page that shows it, rendered in Chromium. No
dialog may open, no payload may run, and the Content-Security-Policy must
have nothing to block (a blocked inline script would mean escaping failed).
"""

import pytest
from django.urls import reverse

from articles import search
from articles.models import Article, Author, Section
from tests.builders import add_byline, make_article, make_image, make_quote, make_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.urls("tests.browser.urls"),
    pytest.mark.django_db(transaction=True),
]

PAYLOADS = [
    "<script>alert('xss-script')</script>",
    '"><img src=x onerror="alert(\'xss-img\')">',
    "<svg onload=alert('xss-svg')></svg>",
    "<a href=\"javascript:alert('xss-href')\">click</a>",
    "</script><script>alert('xss-breakout')</script>",
    "'-alert('xss-quote')-'",
    "<iframe srcdoc=\"<script>alert('xss-srcdoc')</script>\"></iframe>",
    "<math><mi xlink:href=\"javascript:alert('xss-math')\">x</mi></math>",
    "<scr<script>ipt>alert('xss-nested')</scr</script>ipt>",
    "\u202e<img src=x onerror=alert('xss-rtl')>\u202c ＜script＞alert('xss-fullwidth')＜/script＞",
    "<details open ontoggle=alert('xss-toggle')>",
    "<style>@import 'javascript:alert(1)';</style><b style=\"behavior:url(x)\">x</b>",
]


@pytest.fixture
def hostile_newsroom(django_user_model):
    stories = []
    for number, payload in enumerate(PAYLOADS):
        section = Section.objects.create(name=f"{payload}"[:100], slug=f"hostile-{number}", description=payload)
        author = Author.objects.create(name=payload[:150], slug=f"hostile-author-{number}", bio=payload)
        article = make_article(
            headline=payload[:200],
            standfirst=payload,
            body=f"<p>Before {payload} after.</p>{payload}",
            section=section,
            slug=f"hostile-story-{number}",
        )
        article.tags.add(f"{payload[:40]} {number}")
        add_byline(article, author)
        make_image(article, caption=payload, credit=payload[:200], alt_text=payload[:500], is_lead=True)
        source = make_source(name=payload[:200], role=payload[:200], organisation=payload[:200])
        make_quote(article, source=source, text=payload, context=payload[:255], is_pull_quote=True)
        article.add_correction(payload)
        article.record_revision()
        Article.objects.filter(pk=article.pk).update(headline=f"{payload[:150]} (edited)")
        article.refresh_from_db()
        article.record_revision()
        stories.append(article)
    search.index_articles([story.pk for story in stories])
    django_user_model.objects.create_superuser("chief", "chief@example.com", "pw")
    return stories


XML_VIEWS = ("/feed/", "/sitemap")


def watch(page):
    """
    Collect dialogs, page errors and CSP violations on ``page``. Chromium shows
    a feed or sitemap in its own XML viewer, whose inline styles our policy
    blocks; those (and only those) are not the site's doing.
    """
    incidents = []

    def on_console(message):
        if "Content Security Policy" not in message.text:
            return
        if "inline style" in message.text and any(part in page.url for part in XML_VIEWS):
            return
        incidents.append(f"csp on {page.url}: {message.text}")

    page.on("dialog", lambda dialog: (incidents.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: incidents.append(f"error: {error}"))
    page.on("console", on_console)
    return incidents


def visit_all(page, base, urls):
    for url in urls:
        response = page.goto(base + url)
        assert response.status < 500, url
        page.wait_for_load_state("load")
        # Give handlers that fire on toggling a chance to run, had any markup got through.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = !d.open)")


def public_urls(stories):
    urls = ["/", "/corrections/", "/feed/rss/", "/feed/atom/", "/sitemap-news.xml", "/search/?q=alert"]
    for story in stories:
        tag = story.tags.first()
        urls += [
            story.get_absolute_url(),
            story.section.get_absolute_url(),
            reverse("articles:tag", args=[tag.slug]),
            story.bylines.first().author.get_absolute_url(),
            reverse("articles:section_feed_rss", args=[story.section.slug]),
        ]
    return urls


def admin_urls(stories):
    urls = [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/source/",
        "/admin/articles/quote/",
        "/admin/articles/imagecaption/",
        "/admin/articles/author/",
        "/admin/articles/section/",
        "/admin/taggit/tag/",
    ]
    for story in stories:
        urls += [
            reverse("admin:articles_article_change", args=[story.pk]),
            reverse("admin:articles_article_versions", args=[story.pk]),
            reverse("admin:articles_article_compare", args=[story.pk]) + "?from=1&to=2",
            reverse("admin:articles_article_transition", args=[story.pk, "withdraw"]),
            reverse("articles:preview", args=[story.pk]),
        ]
    return urls


def test_hostile_text_runs_nowhere_on_the_public_site(chromium, live_server, hostile_newsroom):
    context = chromium.new_context()
    page = context.new_page()
    incidents = watch(page)

    visit_all(page, live_server.url, public_urls(hostile_newsroom))

    assert incidents == []
    context.close()


def test_hostile_text_runs_nowhere_in_the_admin(chromium, live_server, hostile_newsroom):
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    incidents = watch(page)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")

    visit_all(page, live_server.url, admin_urls(hostile_newsroom))

    assert incidents == []
    context.close()


def test_json_ld_survives_a_headline_that_tries_to_close_the_script(chromium, live_server, hostile_newsroom):
    import json

    breakout = next(story for story in hostile_newsroom if "xss-breakout" in story.headline)
    page = chromium.new_page()
    page.goto(live_server.url + breakout.get_absolute_url())

    blocks = page.locator('script[type="application/ld+json"]').all_text_contents()
    parsed = [json.loads(block) for block in blocks]
    assert any(item.get("@type") == "NewsArticle" and "xss-breakout" in item["headline"] for item in parsed)
    page.close()
