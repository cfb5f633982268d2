"""A reader's way through the site in Chromium: home → story → topic → search → feed."""

import pytest
from playwright.sync_api import expect

from articles import search
from tests.builders import jpeg_file, make_image, make_rich_article, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.urls("tests.browser.urls"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def newsroom():
    section = make_section(name="Environment", slug="environment")
    stories = []
    for number in range(4):
        article = make_rich_article(
            section=section,
            headline=f"Storm surge floods Lower Town streets, report {number}",
            body="<p>The storm surge flooded forty homes in Lower Town overnight.</p><p>Residents were evacuated.</p>",
            tags=("flooding", "sea wall"),
        )
        image = make_image(article, image=jpeg_file(size=(1200, 800)), position=3)
        image.ensure_renditions()
        stories.append(article)
    search.index_articles([story.pk for story in stories])
    return stories


def images_loaded(page):
    return page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")


def test_a_reader_goes_from_the_front_page_to_a_feed(page, live_server, newsroom, screenshot):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_count(1)

    page.click(".card--lead .card__headline a")
    expect(page.locator("h1")).to_have_text(newsroom[-1].headline)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # let lazy photos load
    page.wait_for_load_state("networkidle")
    assert images_loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.click(".tags a:has-text('flooding')")
    expect(page.locator("h1")).to_have_text("Flooding")
    expect(page.locator(".card")).to_have_count(4)

    page.fill("#masthead-q", "storm surge")
    page.press("#masthead-q", "Enter")
    expect(page.locator(".search-count")).to_contain_text("4 stories match")
    expect(page.locator(".search-result mark").first).to_be_visible()
    screenshot(page, "reader-search-360px")

    feed_url = page.locator("link[rel=alternate][type='application/rss+xml']").first.get_attribute("href")
    response = page.goto(feed_url if feed_url.startswith("http") else live_server.url + feed_url)
    assert response.status == 200
    assert "<rss" in response.text() and newsroom[-1].headline in response.text()
