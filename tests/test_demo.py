import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from articles import demo
from articles.models import Article, Author, ImageCaption, Quote, Section, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(autouse=True)
def _draw_demo_photos_once(settings, demo_media):
    """The photos are drawn once for the module; later loads find them in storage."""
    settings.MEDIA_ROOT = demo_media


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts():
    return {model.__name__: model.objects.count() for model in (Article, Author, Section, Source, Quote, ImageCaption)}


def test_load_demo_builds_a_believable_newsroom():
    load_demo()

    live = Article.objects.live()
    assert live.count() >= 30
    assert Section.objects.count() >= 5
    assert set(live.values_list("section__slug", flat=True)) == set(Section.objects.values_list("slug", flat=True))
    assert ImageCaption.objects.public().filter(is_lead=True, article__in=live).count() >= 25
    assert Quote.objects.filter(article__in=live, is_pull_quote=True).exists()
    assert Source.objects.filter(confidential=True).exclude(public_label="").exists()
    assert Author.objects.filter(user__isnull=True).exists()  # an agency byline
    states = {article.state_label for article in Article.objects.all()}
    assert {"Published", "Scheduled", "Embargoed", "Draft", "Withdrawn"} <= states


def test_demo_photos_are_real_images_with_dimensions():
    load_demo()

    image = ImageCaption.objects.public().first()
    assert image.width > 1000 and image.height > 600
    with image.image.open("rb") as stream:
        assert stream.read(3) == b"\xff\xd8\xff"  # a JPEG


def test_load_demo_twice_duplicates_nothing():
    load_demo()
    before = row_counts()

    output = load_demo()

    assert row_counts() == before
    assert "0 stories created" in output


def test_load_demo_prints_a_password_that_logs_the_editor_in():
    output = load_demo()
    password = re.search(r"password: (\S+)", output).group(1)

    editor = authenticate(username=demo.EDITOR_USERNAME, password=password)
    assert editor is not None and editor.is_staff


def test_confidential_names_never_appear_in_demo_story_text():
    content = demo.read_content()
    secret_names = [source["name"] for source in content["sources"] if source.get("confidential")]

    for story in content["stories"]:
        public_text = " ".join(
            [story["headline"], story["standfirst"], *story["body"]]
            + [image[field] for image in story.get("images", []) for field in ("caption", "alt_text")]
        )
        for name in secret_names:
            assert name not in public_text, story["key"]
