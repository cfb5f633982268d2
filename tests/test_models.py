from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Byline, ImageCaption
from tests.builders import add_byline, make_article, make_author, make_image, make_source

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR = timedelta(hours=1)

VISIBILITY = [
    ("published in the past", {"status": "published", "published_at": NOW - HOUR}, True),
    ("published this instant", {"status": "published", "published_at": NOW}, True),
    ("scheduled", {"status": "published", "published_at": NOW + HOUR}, False),
    ("embargo passed", {"status": "published", "published_at": NOW - HOUR, "embargo_until": NOW - HOUR}, True),
    ("embargoed", {"status": "published", "published_at": NOW - HOUR, "embargo_until": NOW + HOUR}, False),
    ("draft", {"status": "draft", "published_at": None}, False),
    ("draft with a past time", {"status": "draft", "published_at": NOW - HOUR}, False),
    ("in review", {"status": "in_review", "published_at": NOW - HOUR}, False),
    ("returned", {"status": "returned", "published_at": None}, False),
    ("approved", {"status": "approved", "published_at": NOW - HOUR}, False),
    ("withdrawn", {"status": "withdrawn", "published_at": NOW - HOUR}, False),
]


@pytest.mark.parametrize(("label", "fields", "visible"), VISIBILITY, ids=[row[0] for row in VISIBILITY])
def test_live_admits_only_published_stories_whose_time_and_embargo_have_passed(label, fields, visible):
    article = make_article(**fields)

    assert Article.objects.live(now=NOW).filter(pk=article.pk).exists() is visible
    assert article.is_live(now=NOW) is visible


def test_scheduled_story_goes_live_by_itself_when_its_time_comes():
    article = make_article(published_at=NOW + HOUR)

    assert not Article.objects.live(now=NOW).filter(pk=article.pk).exists()
    assert Article.objects.live(now=NOW + 2 * HOUR).filter(pk=article.pk).exists()


def test_embargo_holds_back_a_story_whose_publication_time_has_come():
    article = make_article(published_at=NOW - HOUR, embargo_until=NOW + HOUR)

    assert not Article.objects.live(now=NOW).exists()
    assert Article.objects.live(now=NOW + 2 * HOUR).get() == article


def test_published_story_needs_a_publication_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(status="published", published_at=None)


def test_import_reference_is_unique_when_present():
    make_article(import_origin="wire", import_id="A-1")
    make_article(import_origin="", import_id="")
    make_article(import_origin="", import_id="")  # stories typed in the admin have none

    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(import_origin="wire", import_id="A-1")
    make_article(import_origin="other-wire", import_id="A-1")


def test_body_is_sanitised_when_saved():
    article = make_article(
        body='<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(1)">link</a></p>'
        '<iframe src="https://evil.example"></iframe><h2>Subhead</h2>'
    )
    article.refresh_from_db()

    assert "script" not in article.body
    assert "onclick" not in article.body
    assert "javascript:" not in article.body
    assert "iframe" not in article.body
    assert "<h2>Subhead</h2>" in article.body
    assert "Hello" in article.body


def test_slug_is_made_from_the_headline_when_left_empty():
    article = make_article(slug="", headline="Harbour bridge reopens after six-month repair")

    assert article.slug == "harbour-bridge-reopens-after-six-month-repair"


def test_byline_names_reporters_in_order_and_leaves_out_photographers():
    article = make_article()
    add_byline(article, make_author(name="Maria Okafor"), position=1)
    add_byline(article, make_author(name="Tom Reyes"), position=2, role=Byline.Role.PHOTOS)
    add_byline(article, make_author(name="Ali Hassan"), position=0)
    add_byline(article, make_author(name="Coastal Press Agency"), position=3, role=Byline.Role.ADDITIONAL_REPORTING)

    article = Article.objects.with_bylines().get(pk=article.pk)

    assert article.byline == "Ali Hassan, Maria Okafor and Coastal Press Agency"


def test_one_author_appears_once_per_role():
    article = make_article()
    author = make_author()
    add_byline(article, author)
    add_byline(article, author, role=Byline.Role.PHOTOS)

    with pytest.raises(IntegrityError), transaction.atomic():
        add_byline(article, author)


def test_confidential_source_shows_only_its_public_label():
    source = make_source(
        name="Eva Brandt", role="deputy director", confidential=True, public_label="a senior official"
    )

    assert source.public_name == "a senior official"
    assert source.public_description == ""
    assert make_source(name="Maria Lindqvist").public_name == "Maria Lindqvist"


def test_confidential_source_needs_a_public_label():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_source(confidential=True, public_label="")


def test_confidential_source_without_label_fails_validation_with_a_readable_message():
    source = make_source()
    source.confidential = True

    with pytest.raises(ValidationError, match="public label"):
        source.full_clean()


def test_source_aliases_are_read_one_per_line():
    source = make_source(aliases="Ms Lindqvist\n\n  Lindqvist  \n")

    assert source.alias_list == ["Ms Lindqvist", "Lindqvist"]


def test_a_story_has_one_lead_image():
    article = make_article()
    make_image(article, is_lead=True)
    make_image(article, is_lead=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_image(article, is_lead=True)


def test_image_needs_alt_text_unless_decorative():
    article = make_article()
    make_image(article, alt_text="", is_decorative=True)
    make_image(article, image="", alt_text="")  # awaiting its photo

    with pytest.raises(IntegrityError), transaction.atomic():
        make_image(article, alt_text="")


def test_image_dimensions_are_read_from_the_file():
    image = make_image(make_article())

    assert (image.width, image.height) == (64, 48)


def test_caption_awaiting_its_photo_is_not_public():
    article = make_article()
    waiting = make_image(article, image="", alt_text="")
    shown = make_image(article)

    assert list(ImageCaption.objects.public()) == [shown]
    assert waiting not in ImageCaption.objects.public()


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"status": "published", "published_at": NOW - HOUR}, "Published"),
        ({"status": "published", "published_at": NOW + HOUR}, "Scheduled"),
        ({"status": "published", "published_at": NOW - HOUR, "embargo_until": NOW + HOUR}, "Embargoed"),
        ({"status": "returned", "published_at": None}, "Returned to reporter"),
    ],
)
def test_state_label_tells_scheduled_and_embargoed_stories_apart(fields, label):
    assert make_article(**fields).state_label == label
