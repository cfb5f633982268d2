import pytest
from django.urls import reverse

from articles.models import Article, ImageCaption, Quote, Source
from tests.builders import count_queries, make_article, make_rich_article, make_section, make_source

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

CHANGELISTS = ["article", "section", "author", "source", "quote", "imagecaption"]


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_superuser("desk", "desk@example.com", "pw")
    client.force_login(editor)
    return client


def changelist(model_name):
    return reverse(f"admin:articles_{model_name}_changelist")


@pytest.mark.parametrize("model_name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(editor_client, model_name, django_assert_max_num_queries):
    make_rich_article()
    one_row = count_queries(editor_client, changelist(model_name))

    for _ in range(6):
        make_rich_article()

    with django_assert_max_num_queries(one_row):
        response = editor_client.get(changelist(model_name))
    assert response.status_code == 200
    assert response.context["cl"].result_count > 1


def test_article_change_page_shows_bylines_images_and_quotes(editor_client):
    article = make_rich_article(headline="Bridge reopens")

    response = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert response.status_code == 200
    html = response.text
    assert "Bridge reopens" in html
    assert article.images.first().image.url in html  # the thumbnail
    assert "We will reopen on Monday" in html
    assert "data-autocomplete-light" not in html  # Django's own autocomplete, no third party
    assert "admin-autocomplete" in html


def test_article_list_searches_headlines_and_filters_by_status(editor_client):
    make_article(headline="Harbour bridge reopens")
    make_article(headline="Tram line delayed", status="draft", published_at=None)

    found = editor_client.get(changelist("article"), {"q": "harbour"})
    drafts = editor_client.get(changelist("article"), {"status__exact": "draft"})

    assert [a.headline for a in found.context["cl"].result_list] == ["Harbour bridge reopens"]
    assert [a.headline for a in drafts.context["cl"].result_list] == ["Tram line delayed"]


def test_source_autocomplete_finds_sources_by_alias(editor_client):
    make_source(name="Maria Lindqvist", aliases="Ms Lindqvist\nthe harbourmaster")
    make_source(name="Someone Else")

    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "quote", "field_name": "source", "term": "harbourmaster"},
    )

    assert [row["text"] for row in response.json()["results"]] == ["Maria Lindqvist (Port Authority)"]


def test_editor_creates_a_story_with_a_photo_and_a_quote_in_one_form(editor_client):
    from tests.builders import jpeg_file, make_author

    section = make_section()
    author = make_author()
    source = make_source()
    data = {
        "headline": "Ferry timetable changes",
        "slug": "ferry-timetable-changes",
        "standfirst": "Winter sailings cut.",
        "body": "<p>The ferry will sail twice a day.</p><script>alert(1)</script>",
        "section": section.pk,
        "tags": "ferries, transport",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "embargo_until_0": "",
        "embargo_until_1": "",
        "withdrawal_notice": "",
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "0",
        "bylines-0-author": author.pk,
        "bylines-0-role": "reporting",
        "bylines-0-position": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": jpeg_file(),
        "images-0-caption": "The ferry leaves Eastmouth",
        "images-0-credit": "Jane Doe/Harbour Gazette",
        "images-0-alt_text": "A white ferry leaving a harbour",
        "images-0-is_lead": "on",
        "images-0-position": "0",
        "quotes-TOTAL_FORMS": "1",
        "quotes-INITIAL_FORMS": "0",
        "quotes-0-text": "Demand falls in winter",
        "quotes-0-source": source.pk,
        "quotes-0-position": "0",
        "quotes-0-context": "",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }

    response = editor_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="ferry-timetable-changes")
    assert "<script>" not in article.body
    assert sorted(article.tags.names()) == ["ferries", "transport"]
    assert ImageCaption.objects.get(article=article).width == 64
    assert Quote.objects.get(article=article).source == source


def test_uploading_a_file_that_is_not_an_image_is_refused(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = make_article()
    response = editor_client.post(
        reverse("admin:articles_imagecaption_add"),
        {
            "article": article.pk,
            "image": SimpleUploadedFile("evil.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg"),
            "caption": "Nothing",
            "alt_text": "Nothing",
            "position": "0",
        },
    )

    assert response.status_code == 200
    assert "Upload a valid image" in response.text
    assert not ImageCaption.objects.exists()


def test_confidential_source_needs_a_label_in_the_admin(editor_client):
    response = editor_client.post(
        reverse("admin:articles_source_add"),
        {"name": "Eva Brandt", "kind": "person", "confidential": "on", "public_label": ""},
    )

    assert response.status_code == 200
    assert "A confidential source needs a public label" in response.text
    assert not Source.objects.exists()


def test_uploaded_photo_loses_its_gps_before_it_is_stored(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tests.test_images import jpeg_with_gps_and_orientation

    article = make_article()
    response = editor_client.post(
        reverse("admin:articles_imagecaption_add"),
        {
            "article": article.pk,
            "image": SimpleUploadedFile("source-home.jpg", jpeg_with_gps_and_orientation(), content_type="image/jpeg"),
            "caption": "Outside the house",
            "credit": "Staff",
            "alt_text": "A red wall",
            "position": "0",
        },
    )

    assert response.status_code == 302
    stored = ImageCaption.objects.get()
    with stored.image.open("rb") as stream:
        data = stream.read()
    assert b"GPS" not in data
    assert dict(Image.open(stored.image.path).getexif()) == {}
    assert (stored.width, stored.height) == (40, 60)


def test_svg_upload_is_refused_with_a_clear_message(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = editor_client.post(
        reverse("admin:articles_imagecaption_add"),
        {
            "article": make_article().pk,
            "image": SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'></svg>", content_type="image/svg+xml"),
            "caption": "Logo",
            "alt_text": "Logo",
            "position": "0",
        },
    )

    assert response.status_code == 200
    assert not ImageCaption.objects.exists()
    assert "Upload a valid image" in response.text or "can&#x27;t be used" in response.text
