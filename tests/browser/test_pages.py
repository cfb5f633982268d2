import pytest

from tests.builders import add_byline, make_author, make_rich_article, make_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.urls("tests.browser.urls"),
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def newsroom():
    section = make_section(name="News", slug="news")
    author = make_author(name="Maria Okafor", job_title="Home affairs correspondent")
    stories = []
    for number in range(5):
        article = make_rich_article(
            section=section,
            headline=f"Harbour bridge reopens after repair, part {number}",
            body="".join(f"<p>Paragraph {n} of the story about the bridge.</p>" for n in range(8)),
        )
        add_byline(article, author, position=0, role="additional-reporting")
        stories.append(article)
    return stories


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_front_page_reads_well_on_a_phone(page, live_server, newsroom, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")

    lead = page.locator(".card--lead .card__headline")
    assert lead.is_visible()
    assert lead.inner_text() == newsroom[-1].headline
    assert page.locator(".masthead__title").is_visible()
    assert no_horizontal_scroll(page)
    screenshot(page, "home-phone")


def test_article_page_shows_photo_caption_and_pull_quote_on_desktop(page, live_server, newsroom, screenshot):
    article = newsroom[0]
    page.goto(live_server.url + article.get_absolute_url())

    figure = page.locator("figure.figure--lead")
    assert figure.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert "Jane Doe/Coastal Press" in figure.locator("figcaption").text_content()
    assert page.locator(".pull-quote blockquote").first.is_visible()
    assert page.locator("h1").inner_text() == article.headline
    assert no_horizontal_scroll(page)
    screenshot(page, "article-desktop")

    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)
    screenshot(page, "article-phone")


def test_keyboard_user_can_skip_to_the_story(page, live_server, newsroom):
    page.goto(live_server.url + newsroom[0].get_absolute_url())
    page.keyboard.press("Tab")

    skip = page.locator(".skip-link")
    assert skip.evaluate("link => link === document.activeElement")
    assert skip.is_visible()


def test_editor_logs_in_and_opens_a_story_with_its_photos(page, live_server, newsroom, django_user_model, screenshot):
    django_user_model.objects.create_superuser("desk", "desk@example.com", "correct horse battery")
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")

    page.goto(live_server.url + "/admin/articles/article/")
    assert page.locator("#result_list tbody tr").count() == len(newsroom)
    screenshot(page, "admin-article-list")

    page.click(f"text={newsroom[0].headline}")
    thumbnail = page.locator(".field-preview img").first
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "admin-article-change")
