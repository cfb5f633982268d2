"""
The desk end to end in Chromium: a reporter files a story with a photo and a
quote, an editor returns it, the reporter fixes it, the editor schedules it,
and readers see it once its time has come. Then two editors collide.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.builders import jpeg_file, make_author, make_rich_article, make_section, make_source, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.urls("tests.browser.urls"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "ferry.jpg"
    path.write_bytes(jpeg_file(size=(800, 533)).read())
    return path


@pytest.fixture
def desk():
    reporter = make_user("Reporter", username="rhona", first_name="Rhona", last_name="Tait")
    editor = make_user("Editor", username="ed", first_name="Ed", last_name="Marsh")
    make_section(name="News", slug="news")
    make_author(name="Rhona Tait", slug="rhona-tait", user=reporter)
    make_source(name="Maria Lindqvist", role="spokeswoman", organisation="Port Authority")
    return reporter, editor


def log_in(chromium, live_server, username):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    return page


def choose(page, field_id, text):
    """Pick ``text`` in one of the admin's autocomplete (select2) fields."""
    page.click(f"#{field_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


def open_story(page, live_server, article):
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")


def move(page, label, comment=None, at=None):
    page.click(f".desk-panel__moves a:has-text('{label}')")
    if comment:
        page.fill("#id_comment", comment)
    if at:
        page.fill("#id_at_0", at.strftime("%Y-%m-%d"))
        page.fill("#id_at_1", at.strftime("%H:%M:%S"))
    page.click(f"input[type=submit][value='{label}']")


def test_a_story_goes_from_reporter_to_readers_through_the_desk(chromium, live_server, desk, photo, screenshot):
    reporter_user, _ = desk
    reporter = log_in(chromium, live_server, "rhona")

    # The reporter files a story with a photo and a quote.
    reporter.goto(live_server.url + "/admin/articles/article/add/")
    reporter.fill("#id_headline", "Ferry timetable cut for winter")
    reporter.click(".prose-editor > .ProseMirror")
    reporter.keyboard.type("The harbour ferry will sail twice a day from December.")
    reporter.keyboard.press("Enter")
    reporter.keyboard.type("“Demand falls in winter,” said Maria Lindqvist.")
    choose(reporter, "id_section", "News")
    reporter.click("#bylines-group .add-row a")
    choose(reporter, "id_bylines-0-author", "Rhona Tait")
    reporter.click("#images-group .add-row a")
    reporter.set_input_files("#id_images-0-image", str(photo))
    reporter.fill("#id_images-0-caption", "The ferry leaves Eastmouth at dawn")
    reporter.fill("#id_images-0-credit", "Rhona Tait/The Harbour Gazette")
    reporter.fill("#id_images-0-alt_text", "A white ferry leaving a grey harbour")
    reporter.check("#id_images-0-is_lead")
    reporter.click("#quotes-group .add-row a")
    reporter.fill("#id_quotes-0-text", "Demand falls in winter")
    choose(reporter, "id_quotes-0-source", "Maria Lindqvist")
    reporter.check("#id_quotes-0-is_pull_quote")
    screenshot(reporter, "desk-1-reporter-writes")
    reporter.click("input[name=_continue]")
    expect(reporter.locator(".messagelist .success")).to_contain_text("was added successfully")
    article = Article.objects.get(slug="ferry-timetable-cut-for-winter")
    assert article.created_by == reporter_user
    assert article.images.get().width == 800

    move(reporter, "Submit for review")
    expect(reporter.locator(".messagelist")).to_contain_text("Submit for review: 1 story done")
    expect(reporter.locator(".desk-state").first).to_have_text("In review")

    # The editor sends it back with a note.
    editor = log_in(chromium, live_server, "ed")
    expect(editor.locator("#desk-review + ul")).to_contain_text("Ferry timetable cut for winter")
    open_story(editor, live_server, article)
    move(editor, "Return to reporter", comment="Say which sailings go, and from when.")
    expect(editor.locator(".desk-state").first).to_have_text("Returned to reporter")
    screenshot(editor, "desk-2-editor-returns")

    # The reporter reads the note, fixes the story and submits it again.
    open_story(reporter, live_server, article)
    expect(reporter.locator(".desk-timeline")).to_contain_text("Say which sailings go, and from when.")
    reporter.fill("#id_standfirst", "The 07:00 and 19:00 sailings stop from 1 December.")
    reporter.click("input[name=_continue]")
    expect(reporter.locator(".messagelist .success")).to_contain_text("was changed successfully")
    move(reporter, "Submit for review")
    expect(reporter.locator(".desk-state").first).to_have_text("In review")

    # The editor schedules it a few seconds ahead; readers see it when its time comes.
    open_story(editor, live_server, article)
    at = timezone.localtime(timezone.now() + timedelta(seconds=6)).replace(microsecond=0)
    move(editor, "Schedule", at=at)
    expect(editor.locator(".desk-state").first).to_have_text("Scheduled")
    screenshot(editor, "desk-3-editor-schedules")

    reader = chromium.new_context().new_page()
    story_url = live_server.url + "/story/ferry-timetable-cut-for-winter/"
    assert reader.goto(story_url).status == 404
    time.sleep(max(0, (at - timezone.now()).total_seconds()) + 0.5)
    response = reader.goto(story_url)
    assert response.status == 200
    assert reader.locator("h1").inner_text() == "Ferry timetable cut for winter"
    photo = reader.locator("figure.figure--lead img")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert photo.evaluate("img => img.currentSrc").endswith(".webp")  # a rendition drawn when it was saved
    assert "Demand falls in winter" in reader.locator(".pull-quote").inner_text()
    screenshot(reader, "desk-4-reader-sees-the-story")


def test_two_editors_saving_the_same_story_lose_nothing(chromium, live_server, desk, screenshot):
    make_user("Editor", username="ana", first_name="Ana", last_name="Ruiz")
    article = make_rich_article(headline="Council budget vote tonight")
    article.record_revision()
    first = log_in(chromium, live_server, "ana")
    second = log_in(chromium, live_server, "ed")
    open_story(first, live_server, article)
    open_story(second, live_server, article)
    expect(second.locator(".desk-note--warning")).to_contain_text("Ana Ruiz")

    first.fill("#id_headline", "Council budget passes by one vote")
    first.click("input[name=_continue]")
    expect(first.locator(".messagelist .success")).to_be_visible()
    second.fill("#id_standfirst", "Ed's careful standfirst")
    second.click("input[name=_continue]")

    expect(second.locator(".errorlist").first).to_contain_text("Ana Ruiz saved this story at")
    expect(second.locator("#id_standfirst")).to_have_value("Ed's careful standfirst")
    expect(second.locator(".desk-note--error")).to_contain_text("See what Ana Ruiz changed")
    screenshot(second, "desk-5-conflict")
    article.refresh_from_db()
    assert (article.headline, article.standfirst) == (
        "Council budget passes by one vote",
        "What happened, in a sentence.",
    )

    # Having seen the message, the second editor saves again on purpose.
    second.click("input[name=_continue]")
    expect(second.locator(".messagelist .success")).to_be_visible()
    article.refresh_from_db()
    assert article.standfirst == "Ed's careful standfirst"
    # Ana's headline was overwritten knowingly, and her version is kept to restore.
    assert article.revisions.get(number=2).data["headline"] == "Council budget passes by one vote"
