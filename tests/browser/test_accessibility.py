"""
Readers first: the public pages pass axe-core's checks (no serious or critical
violations) in light and dark mode, have one h1, describe every image, and
read at 320 px without scrolling sideways — with JavaScript switched off.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from articles.models import Article
from tests.builders import add_byline, make_author, make_rich_article, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.urls("tests.browser.urls"),
    pytest.mark.django_db(transaction=True),
]

SERIOUS = {"serious", "critical"}


@pytest.fixture
def newsroom():
    section = make_section(name="Politics", slug="politics")
    author = make_author(name="Maria Okafor", slug="maria-okafor", bio="Covers the council.")
    stories = []
    for number in range(6):
        article = make_rich_article(
            section=section,
            headline=f"Council budget passes after a long night, part {number}",
            body="".join(f"<p>Paragraph {n} about the vote.</p>" for n in range(7)) + "<h2>What next</h2><p>More.</p>",
        )
        add_byline(article, author, position=0, role="analysis")
        stories.append(article)
    stories[0].add_correction("An earlier version misnamed the council leader.")
    return stories


def public_pages(newsroom):
    article = newsroom[-1]
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": "/section/politics/",
        "tag": "/tag/harbour/",
        "author": "/author/maria-okafor/",
        "corrections": "/corrections/",
        "not found": "/story/no-such-story/",
    }


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} — " + "; ".join(node["html"][:120] for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_public_pages_pass_axe_in_light_and_dark_mode(chromium, live_server, newsroom, scheme):
    context = chromium.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for name, url in public_pages(newsroom).items():
        page.goto(live_server.url + url)
        assert serious_violations(page) == [], f"{name} page in {scheme} mode"
    context.close()


def test_every_page_has_one_h1_landmarks_and_described_images(page, live_server, newsroom):
    for name, url in public_pages(newsroom).items():
        page.goto(live_server.url + url)
        assert page.locator("h1").count() == 1, name
        assert page.locator("main#main").count() == 1, name
        assert page.locator("header.masthead").count() == 1, name
        assert page.locator("img:not([alt])").count() == 0, name


@pytest.mark.parametrize("width", [320, 360])
def test_pages_read_on_a_narrow_phone_without_scrolling_sideways(chromium, live_server, newsroom, width, screenshot):
    context = chromium.new_context(viewport={"width": width, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    for name, url in public_pages(newsroom).items():
        page.goto(live_server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} page scrolls sideways by {overflow}px at {width}px"
    screenshot(page, f"article-{width}px-no-javascript")
    context.close()


def test_the_story_reads_without_javascript(chromium, live_server, newsroom):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    article = Article.objects.get(pk=newsroom[0].pk)

    page.goto(live_server.url + article.get_absolute_url())

    assert page.locator("h1").inner_text() == article.headline
    assert page.locator(".story__body p").count() >= 7
    assert "misnamed the council leader" in page.locator("#corrections").inner_text()
    context.close()
