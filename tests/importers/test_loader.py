"""The loader: upserts, per-story transactions, statuses, pictures, sources and its query budget."""

import random
import struct
import sys
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from taggit.models import Tag

import articles
from articles import search
from articles.importers import loader
from articles.importers.loader import LoadDefaults, load
from articles.importers.records import (
    ArticleRecord,
    BylineRecord,
    CorrectionRecord,
    ImageRecord,
    QuoteRecord,
    RecordError,
    SourceRecord,
)
from articles.models import (
    Article,
    ArticleRevision,
    Author,
    Byline,
    Correction,
    ImageCaption,
    Quote,
    Section,
    Source,
)
from tests.builders import make_article, make_source

pytestmark = pytest.mark.django_db

PAST = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)
BODY = '<p>The bridge reopened on Monday.</p><p>"We are relieved it is finally done," said Mayor Ana Ruiz.</p>'


def write_jpeg(path, size=(40, 30), colour=(120, 140, 160)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, format="JPEG")
    return path


def png_declaring(path, width, height):
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's calling card)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )
    return path


def story(number=1, **overrides):
    """A publishable record: section, byline, body, a quote, a tag, a correction and a credited lead photo."""
    fields = {
        "origin": "test-feed",
        "external_id": f"story-{number}",
        "headline": f"Story number {number}",
        "standfirst": "What happened.",
        "body_html": BODY,
        "section": "City",
        "tags": ["harbour", f"tag-{number % 3}"],
        "bylines": [BylineRecord("Maria Okafor"), BylineRecord("Tom Reyes", "photos")],
        "status": "published",
        "published_at": PAST,
        "images": [
            ImageRecord(
                file="photos/bridge.jpg",
                caption="Workers remove scaffolding",
                credit="Tom Reyes/Gazette",
                alt_text="Scaffolding lowered from a bridge",
                lead=True,
            )
        ],
        "quotes": [QuoteRecord("We are relieved it is finally done", "Ana Ruiz", "mayor", "City council", pull=True)],
        "sources": [SourceRecord("Ana Ruiz", "mayor", "City council")],
        "corrections": [CorrectionRecord("correction", "An earlier version gave the wrong date.", PAST)],
        "location": f"feed.jsonl:{number}",
    }
    return ArticleRecord(**(fields | overrides))


@pytest.fixture
def images(tmp_path):
    root = tmp_path / "import"
    write_jpeg(root / "photos" / "bridge.jpg")
    return root


def media_files(settings, folder=""):
    root = Path(settings.MEDIA_ROOT)
    files = (path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    return sorted(name for name in files if name.startswith(folder))


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, Byline, ImageCaption, Quote, Source, Section, Author, Correction, ArticleRevision)
    }


def test_new_story_is_written_whole(images, settings):
    report = load([story()], images_root=images)

    assert (report.created, report.failed) == (1, 0)
    article = Article.objects.get(import_origin="test-feed", import_id="story-1")
    assert article.headline == "Story number 1"
    assert article.section.name == "City"
    assert [(b.author.name, b.role) for b in article.bylines.select_related("author")] == [
        ("Maria Okafor", "reporting"),
        ("Tom Reyes", "photos"),
    ]
    assert sorted(tag.name for tag in article.tags.all()) == ["harbour", "tag-1"]
    image = article.images.get()
    assert image.is_lead and image.credit == "Tom Reyes/Gazette" and (image.width, image.height) == (40, 30)
    assert image.image.name.startswith("images/") and image.image.name.endswith(".jpg")
    assert media_files(settings, "images/") == [image.image.name]
    assert image.renditions["source"] == image.image.name
    (size,) = image.renditions["sizes"]
    assert media_files(settings, "renditions/") == [size["webp"]]
    assert size["jpeg"] == image.image.name  # a JPEG photo is its own JPEG rendition at its width
    quote = article.quotes.select_related("source").get()
    assert (quote.text, quote.source.name, quote.source.role, quote.is_pull_quote) == (
        "We are relieved it is finally done",
        "Ana Ruiz",
        "mayor",
        True,
    )
    assert article.corrections.get().published_at == PAST
    assert article.is_live() and article.published_at == PAST
    assert article.revisions.get().comment == "Imported from feed.jsonl:1"
    assert article.events.get().action == "publish"


def test_second_run_reports_unchanged_and_writes_nothing(images, settings):
    records = [story(number) for number in range(1, 6)]
    load(records, images_root=images)
    before, files = row_counts(), media_files(settings)

    with CaptureQueriesContext(connection) as queries:
        report = load(records, images_root=images)

    assert (report.created, report.updated, report.unchanged, report.failed) == (0, 0, 5, 0)
    assert len(queries) <= 2  # one lookup for the batch (and at most a transaction statement)
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)
    assert row_counts() == before
    assert media_files(settings) == files


def test_changed_story_is_updated_in_place_keeping_its_stored_photo(images, settings):
    load([story()], images_root=images)
    article = Article.objects.get()
    photo = article.images.get().image.name

    changed = story(
        headline="Bridge reopens early",
        bylines=[BylineRecord("Ana Lopez")],
        quotes=[QuoteRecord("It is a good day", "Ana Ruiz", "mayor", "City council")],
        tags=["bridges"],
    )
    report = load([changed], images_root=images)

    assert (report.created, report.updated) == (0, 1)
    article = Article.objects.get()
    assert article.headline == "Bridge reopens early"
    assert [b.author.name for b in article.bylines.select_related("author")] == ["Ana Lopez"]
    assert list(article.quotes.values_list("text", flat=True)) == ["It is a good day"]
    assert [tag.name for tag in article.tags.all()] == ["bridges"]
    assert article.images.get().image.name == photo
    assert media_files(settings, "images/") == [photo]
    assert article.images.get().renditions["source"] == photo
    assert Source.objects.count() == 1  # the same speaker, matched
    assert article.corrections.count() == 1  # corrections are added, never duplicated
    assert article.revisions.count() == 2
    assert article.status == Article.Status.PUBLISHED


def test_each_revision_and_search_entry_an_import_keeps_is_the_story_as_stored(
    images, monkeypatch, django_capture_on_commit_callbacks
):
    """The import hands the workflow, the revisions and the search index the parts it wrote, not a re-read."""
    Tag.objects.create(name="Harbour", slug="harbour")  # an existing tag, in another case
    make_source(name="Ana Ruiz", organisation="City council")
    indexed, index = {}, search.index_articles
    monkeypatch.setattr(
        search,
        "index_articles",
        lambda ids, documents=None: indexed.update(documents) or index(ids, documents),
    )
    secret = SourceRecord("Hugo Brandt", confidential=True, public_label="a port official")
    records = [
        story(1, bylines=[BylineRecord("Maria Okafor"), BylineRecord("maria okafor", "analysis")]),
        story(
            2,
            images=[*story().images, ImageRecord(file="photos/missing.jpg", caption="Awaited")],
            quotes=[*story().quotes, QuoteRecord("It leaks", "Hugo Brandt")],
            sources=[*story().sources, secret],
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        load(records, images_root=images)
        load([story(1, headline="Changed", tags=["bridges", "HARBOUR"], quotes=[])], images_root=images)

    stored = {article.pk: article for article in Article.objects.with_parts()}
    revisions = ArticleRevision.objects.order_by("article_id", "number")
    assert [(revision.article_id, revision.number) for revision in revisions] == [
        (min(stored), 1),
        (min(stored), 2),
        (max(stored), 1),
    ]
    latest = {revision.article_id: revision.data for revision in revisions}
    assert latest == {pk: article.snapshot() for pk, article in stored.items()}
    assert latest[min(stored)]["tags"] == ["Harbour", "bridges"]
    assert indexed == search._documents(list(stored))
    assert indexed[max(stored)][3].endswith("Ana Ruiz a port official")  # tags, then speakers by public name


def test_older_version_is_ignored_and_never_resurrects_a_withdrawn_story(images):
    load([story(version="3", status="withdrawn")], images_root=images)
    assert Article.objects.get().status == Article.Status.WITHDRAWN

    report = load([story(version="2", headline="An old version")], images_root=images)

    assert (report.unchanged, report.updated) == (1, 0)
    assert "older than the stored version 3" in report.notes[0].reason
    article = Article.objects.get()
    assert (article.status, article.headline) == (Article.Status.WITHDRAWN, "Story number 1")


def test_newer_version_of_a_withdrawn_story_does_not_republish_it(images):
    load([story(version="1", status="withdrawn")], images_root=images)

    report = load([story(version="2", headline="Back again", status="published")], images_root=images)

    article = Article.objects.get()
    assert report.updated == 1
    assert (article.headline, article.status) == ("Back again", Article.Status.WITHDRAWN)
    assert "never restores a withdrawn story" in report.notes[0].reason


def test_dry_run_writes_no_rows_and_no_files(images, settings):
    before = row_counts()

    report = load([story(1), story(2), story(3, headline="x" * 300)], images_root=images, dry_run=True)

    assert (report.created, report.failed, report.dry_run) == (2, 1, True)
    assert row_counts() == before
    assert Tag.objects.count() == 0
    assert media_files(settings) == []


def test_a_failure_mid_story_rolls_back_that_story_and_its_files_only(images, settings, monkeypatch):
    write_jpeg(images / "photos" / "doomed.jpg", colour=(200, 10, 10))
    records = [
        story(1),
        story(2, images=[ImageRecord(file="photos/doomed.jpg", caption="Doomed", credit="X", alt_text="A red field")]),
        story(3),
    ]
    original = Quote.objects.bulk_create

    def bulk_create(objs, *args, **kwargs):
        objs = list(objs)
        if any(quote.article.headline == "Story number 2" for quote in objs):
            raise RuntimeError("disk full")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Quote.objects, "bulk_create", bulk_create)

    report = load(records, images_root=images)

    assert (report.created, report.failed) == (2, 1)
    assert report.failures[0].record == "feed.jsonl:2"
    assert report.failures[0].reason == "RuntimeError: disk full"
    assert sorted(Article.objects.values_list("import_id", flat=True)) == ["story-1", "story-3"]
    assert ImageCaption.objects.count() == 2 and Byline.objects.count() == 4 and Quote.objects.count() == 2
    assert Correction.objects.count() == 2 and ArticleRevision.objects.count() == 2
    stored = set(ImageCaption.objects.values_list("image", flat=True))
    assert set(media_files(settings, "images/")) == stored  # the doomed story's photo was deleted with it


class Killed(BaseException):
    """Stands in for the process being killed (not an Exception, so nothing catches it)."""


def kill_while_writing(monkeypatch, where, import_id):
    """Make the process "die" while ``import_id`` is written: in the middle of the story, or as its batch ends."""
    if where == "mid-story":
        original = Quote.objects.bulk_create

        def bulk_create(objs, *args, **kwargs):
            objs = list(objs)
            if any(quote.article.import_id == import_id for quote in objs):
                raise Killed
            return original(objs, *args, **kwargs)

        monkeypatch.setattr(Quote.objects, "bulk_create", bulk_create)
    else:
        original = loader.keep_revisions

        def keep_revisions(stories, *args, **kwargs):
            if any(story.import_id == import_id for story in stories):
                raise Killed
            return original(stories, *args, **kwargs)

        monkeypatch.setattr(loader, "keep_revisions", keep_revisions)


@pytest.mark.parametrize("where", ["mid-story", "end of batch"])
def test_interrupted_run_is_completed_by_running_again(images, settings, monkeypatch, where):
    kill_while_writing(monkeypatch, where, "story-4")
    reported = []
    with pytest.raises(Killed):
        load(
            [story(number) for number in range(1, 6)],
            images_root=images,
            batch_size=2,
            progress=lambda report: reported.append(report.created),
        )
    # Batches of two: the first committed and was reported; the second, under way when the
    # process died, was not reported and is gone whole, story-3's and story-4's photos included.
    assert reported == [1, 2]
    assert sorted(Article.objects.values_list("import_id", flat=True)) == ["story-1", "story-2"]
    assert media_files(settings, "images/") == sorted(ImageCaption.objects.values_list("image", flat=True))

    monkeypatch.undo()
    report = load([story(number) for number in range(1, 8)], images_root=images, batch_size=2)

    assert (report.created, report.unchanged, report.failed) == (5, 2, 0)
    assert sorted(Article.objects.values_list("import_id", flat=True)) == [f"story-{n}" for n in range(1, 8)]
    assert ImageCaption.objects.count() == 7 and Quote.objects.count() == 7
    assert ArticleRevision.objects.count() == 7
    # The photos stored for story-3 and story-4 before the run was interrupted went with them.
    assert media_files(settings, "images/") == sorted(ImageCaption.objects.values_list("image", flat=True))


def test_names_a_failed_batch_created_are_created_again_by_the_next(images, monkeypatch):
    """A run looks a name up once; but what a failed batch created was rolled back with it."""
    original, batches = loader.keep_revisions, []

    def keep_revisions(stories, *args, **kwargs):
        batches.append(stories)
        if len(batches) == 1:
            raise RuntimeError("disk full")
        return original(stories, *args, **kwargs)

    monkeypatch.setattr(loader, "keep_revisions", keep_revisions)

    report = load([story(1, tags=["ferries"]), story(2, tags=["ferries"])], images_root=images, batch_size=1)

    assert (report.created, report.failed) == (1, 1)
    assert report.failures[0].reason == "not written, because its batch failed: RuntimeError: disk full"
    written = Article.objects.get()
    assert written.import_id == "story-2" and written.section.name == "City"
    assert [tag.name for tag in written.tags.all()] == ["ferries"]
    assert [byline.author.name for byline in written.bylines.all()] == ["Maria Okafor", "Tom Reyes"]
    assert [quote.source.name for quote in written.quotes.all()] == ["Ana Ruiz"]


def test_same_key_twice_in_one_input_is_one_story(images):
    report = load([story(1), story(1, headline="Second take")], images_root=images)

    assert (report.created, report.updated) == (1, 1)
    assert Article.objects.get().headline == "Second take"


def test_record_errors_are_failures_with_their_place(images):
    report = load([RecordError("feed.jsonl:4", "invalid JSON"), story(1)], images_root=images)

    assert report.created == 1
    assert [(f.record, f.reason) for f in report.failures] == [("feed.jsonl:4", "invalid JSON")]


# Statuses.


def test_input_status_wins_over_the_default_and_drafts_are_never_published(images):
    records = [
        story(1, status="draft"),
        story(2, status=None, restricted=True),
        story(3, status=None),
        story(4, status=None, published_at=None),
    ]

    report = load(records, images_root=images, defaults=LoadDefaults(status="published"))

    statuses = dict(Article.objects.values_list("import_id", "status"))
    assert report.created == 4
    assert statuses == {"story-1": "draft", "story-2": "draft", "story-3": "published", "story-4": "published"}
    assert Article.objects.live().count() == 2


def test_default_status_is_draft_and_applies_only_to_new_stories(images):
    load([story(1, status="published")], images_root=images)
    report = load([story(1, status=None, headline="Changed"), story(2, status=None)], images_root=images)

    statuses = dict(Article.objects.values_list("import_id", "status"))
    assert report.updated == 1 and report.created == 1
    assert statuses == {"story-1": "published", "story-2": "draft"}


def test_restricted_or_draft_input_takes_a_public_story_down(images):
    load([story(1), story(2)], images_root=images)

    load([story(1, status="draft", restricted=True), story(2, status="draft")], images_root=images)

    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.WITHDRAWN}
    assert Article.objects.live().count() == 0


def test_embargo_is_set_before_publishing(images):
    until = timezone.now() + timedelta(days=2)

    load([story(embargo_until=until)], images_root=images)

    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED and article.embargo_until == until
    assert not Article.objects.live().exists()
    assert Article.objects.live(now=until + timedelta(seconds=1)).exists()


def test_later_version_without_embargo_keeps_a_running_one(images):
    until = timezone.now() + timedelta(days=2)
    load([story(embargo_until=until)], images_root=images)

    load([story(headline="Updated while embargoed")], images_root=images)

    assert Article.objects.get().embargo_until == until


def test_future_publication_time_schedules_the_story(images):
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)

    load([story(published_at=at)], images_root=images)

    article = Article.objects.get()
    assert article.is_scheduled and article.published_at == at
    assert article.events.get().action == "schedule"
    assert not Article.objects.live().exists()


def test_a_story_reads_as_last_changed_when_its_input_says_not_when_it_was_imported(images):
    corrected = PAST + timedelta(days=2)

    load([story(1), story(2, updated_at=corrected), story(3, published_at=None, status="draft")], images_root=images)

    stories = {article.import_id: article for article in Article.objects.all()}
    assert stories["story-1"].updated_at == PAST and not stories["story-1"].was_updated  # as it went out
    assert stories["story-2"].updated_at == corrected and stories["story-2"].was_updated
    assert stories["story-3"].updated_at > timezone.now() - timedelta(minutes=1)  # a draft: the time of the import
    assert list(Article.objects.live().order_by("updated_at").values_list("import_id", flat=True)) == [
        "story-1",
        "story-2",
    ]


def test_a_story_changed_by_a_later_import_reads_as_changed_then_and_never_in_the_future(images):
    load([story(1), story(2)], images_root=images)

    load(
        [story(1, headline="Bridge reopens early"), story(2, updated_at=timezone.now() + timedelta(days=3))],
        images_root=images,
    )

    one, two = Article.objects.order_by("import_id")
    assert one.was_updated and one.updated_at > timezone.now() - timedelta(minutes=1)
    assert timezone.now() - timedelta(minutes=1) < two.updated_at <= timezone.now()


def test_withdrawn_input_withdraws_a_published_story(images):
    load([story()], images_root=images)

    load([story(status="withdrawn", version="2")], images_root=images)

    article = Article.objects.get()
    assert article.status == Article.Status.WITHDRAWN
    assert [event.action for event in article.events.all()] == ["publish", "withdraw"]


def test_publish_guard_refusal_fails_the_story_with_its_reason(images):
    report = load([story(section="", bylines=[])], images_root=images)

    assert report.failed == 1
    assert report.failures[0].reason == (
        "cannot be published as the input asks: it can't be published without a section; a byline"
    )
    assert Article.objects.count() == 0


def test_a_story_the_publish_guard_refuses_fails_alone_and_leaves_nothing(images, settings):
    write_jpeg(images / "photos" / "second.jpg", colour=(10, 200, 10))
    second = ImageRecord(file="photos/second.jpg", caption="c", credit="", alt_text="a", lead=True)

    report = load([story(1), story(2, images=[second]), story(3)], images_root=images)

    assert (report.created, report.failed) == (2, 1)
    assert (report.failures[0].record, report.failures[0].reason) == (
        "feed.jsonl:2",
        "cannot be published as the input asks: it can't be published without a credit for the lead image",
    )
    assert sorted(Article.objects.live().values_list("import_id", flat=True)) == ["story-1", "story-3"]
    assert ImageCaption.objects.count() == 2 and Byline.objects.count() == 4 and Quote.objects.count() == 2
    assert Correction.objects.count() == 2 and ArticleRevision.objects.count() == 2
    assert media_files(settings, "images/") == sorted(ImageCaption.objects.values_list("image", flat=True))


def test_a_story_withdrawn_at_its_source_that_cannot_be_published_stays_a_draft(images):
    report = load([story(1, status="withdrawn"), story(2, status="withdrawn", section="")], images_root=images)

    assert (report.created, report.failed) == (2, 0)
    statuses = dict(Article.objects.values_list("import_id", "status"))
    assert statuses == {"story-1": Article.Status.WITHDRAWN, "story-2": Article.Status.DRAFT}
    assert [(note.record, note.reason) for note in report.notes] == [
        ("feed.jsonl:2", "withdrawn in the input; kept as a draft because it can't be published without a section")
    ]


def test_each_story_of_a_batch_is_published_at_its_own_time_with_its_own_comment(images):
    times = [PAST, PAST - timedelta(days=400), PAST + timedelta(hours=3)]
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    load(
        [story(number, published_at=at) for number, at in enumerate([*times, later], 1)],
        images_root=images,
    )

    stories = Article.objects.order_by("import_id").prefetch_related("events", "revisions")
    assert [article.published_at for article in stories] == [*times, later]
    assert [[event.action for event in article.events.all()] for article in stories] == [
        ["publish"],
        ["publish"],
        ["publish"],
        ["schedule"],
    ]
    assert [article.events.all()[0].comment for article in stories] == [
        f"Imported from feed.jsonl:{n}" for n in range(1, 5)
    ]
    assert [article.revisions.get().comment for article in stories] == [
        f"Imported from feed.jsonl:{n}" for n in range(1, 5)
    ]
    assert Article.objects.live().count() == 3


def test_a_section_an_import_creates_waits_out_of_the_menu_and_one_the_desk_keeps_stays_in_it(images):
    Section.objects.create(name="City", slug="city", position=1)

    load([story(1), story(2, section="Old Blog Category")], images_root=images)

    assert dict(Section.objects.values_list("name", "in_navigation")) == {"City": True, "Old Blog Category": False}
    assert Article.objects.live().count() == 2  # its stories are public all the same


def test_defaults_fill_in_section_and_author(images):
    report = load(
        [story(section="", bylines=[])], images_root=images, defaults=LoadDefaults(section="News", author="Desk")
    )

    article = Article.objects.get()
    assert report.created == 1
    assert article.section.name == "News" and article.byline == "Desk"


# Pictures.


def test_missing_or_remote_picture_is_kept_awaiting_its_photo(images, settings):
    record = story(
        status="draft",
        images=[
            ImageRecord(file="photos/nowhere.jpg", caption="Lost", credit="A", lead=True),
            ImageRecord(url="https://example.com/p.jpg", caption="Remote", credit="B"),
        ],
    )

    report = load([record], images_root=images)

    awaiting = list(ImageCaption.objects.values_list("caption", "image", "is_lead"))
    assert awaiting == [("Lost", "", False), ("Remote", "", False)]
    assert media_files(settings) == []
    assert [note.reason for note in report.notes] == [
        "images[0]: photos/nowhere.jpg not found; the caption is kept awaiting its photo",
        "images[1]: remote pictures are not fetched; https://example.com/p.jpg is awaiting its photo",
    ]


def test_published_story_whose_lead_photo_is_awaited_is_published_without_a_lead(images):
    record = story(images=[ImageRecord(url="https://example.com/p.jpg", caption="Remote", credit="B", lead=True)])

    report = load([record], images_root=images)

    assert report.created == 1
    assert Article.objects.live().count() == 1
    assert not ImageCaption.objects.get().is_lead


def test_photo_without_alt_text_takes_its_caption(images):
    load(
        [story(images=[ImageRecord(file="photos/bridge.jpg", caption="Workers at dawn", credit="X")])],
        images_root=images,
    )

    assert ImageCaption.objects.get().alt_text == "Workers at dawn"


def test_photos_pass_the_image_gate_and_get_random_names(images, settings):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make; the gate re-encodes the pixels and keeps none of it
    Image.new("RGB", (40, 30), "blue").save(images / "photos" / "tagged.jpg", format="JPEG", exif=exif)
    record = story(images=[ImageRecord(file="photos/tagged.jpg", caption="c", credit="c", alt_text="a")])

    load([record, story(2)], images_root=images)

    names = [image.image.name for image in ImageCaption.objects.all()]
    assert len(set(names)) == 2 and not any("tagged" in name or "bridge" in name for name in names)
    with Image.open(Path(settings.MEDIA_ROOT) / names[0]) as stored:
        assert not stored.getexif()


def test_pictures_outside_the_images_folder_are_refused(images, tmp_path):
    write_jpeg(tmp_path / "secret.jpg")
    (images / "photos" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    (images / "linked").symlink_to(tmp_path)
    cases = {
        "../secret.jpg": "images[0].file '../secret.jpg' is outside the images folder",
        "photos/../../secret.jpg": "images[0].file 'photos/../../secret.jpg' is outside the images folder",
        "/etc/passwd": "images[0].file '/etc/passwd' must be a path relative to the images folder",
        "photos/link.jpg": "images[0].file 'photos/link.jpg' is outside the images folder",
        "linked/secret.jpg": "images[0].file 'linked/secret.jpg' is outside the images folder",
    }
    for number, path in enumerate(cases, 1):
        image = ImageRecord(file=path, caption="c", credit="c", alt_text="a")
        report = load([story(number, images=[image])], images_root=images)
        assert [failure.reason for failure in report.failures] == [cases[path]]
    assert Article.objects.count() == 0


def test_a_folder_or_file_already_seen_is_checked_again_for_each_picture(images, tmp_path):
    """The real paths of the folders met are kept for the run; a file in one is still looked at on its own."""
    write_jpeg(tmp_path / "secret.jpg")
    (images / "photos" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    (images / "photos" / "same.jpg").symlink_to(images / "photos" / "bridge.jpg")
    pictures = ["photos/bridge.jpg", "photos/link.jpg", "photos/same.jpg", "photos/../photos/bridge.jpg"]
    records = [
        story(number, images=[replace(story().images[0], file=path)]) for number, path in enumerate(pictures, 1)
    ]

    report = load(records, images_root=images)

    assert (report.created, report.failed) == (3, 1)
    assert [(failure.record, failure.reason) for failure in report.failures] == [
        ("feed.jsonl:2", "images[0].file 'photos/link.jpg' is outside the images folder")
    ]
    assert ImageCaption.objects.exclude(image="").count() == 3


@pytest.mark.parametrize(
    ("label", "make", "reason"),
    [
        ("text", lambda path: path.write_text("not a picture"), "is not a JPEG, PNG, WebP or GIF picture"),
        ("svg", lambda path: path.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>'), "or GIF picture"),
        ("tiff", lambda path: Image.new("RGB", (4, 4)).save(path, format="TIFF"), "or GIF picture"),
        ("bomb", lambda path: png_declaring(path, 100_000, 100_000), "(a decompression bomb)"),
        ("60 megapixels", lambda path: png_declaring(path, 10_000, 6_000), "the limit is 50 megapixels"),
        (
            "animated",
            lambda path: Image.new("RGB", (4, 4)).save(
                path, format="PNG", save_all=True, append_images=[Image.new("RGB", (4, 4), "red")]
            ),
            "has 2 frames; only still pictures are taken",
        ),
        ("truncated", lambda path: path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "photos/bad.jpg'"),
    ],
)
def test_files_that_are_not_sound_pictures_fail_the_story(images, settings, label, make, reason):
    make(images / "photos" / "bad.jpg")
    image = ImageRecord(file="photos/bad.jpg", caption="c", credit="c", alt_text="a")

    report = load([story(images=[image])], images_root=images)

    assert report.failed == 1 and reason in report.failures[0].reason
    assert report.failures[0].reason.startswith("images[0].file 'photos/bad.jpg'")
    assert row_counts() == dict.fromkeys(row_counts(), 0)
    assert media_files(settings) == []


def test_picture_over_the_size_limit_is_refused(images, monkeypatch):
    monkeypatch.setattr("articles.images.MAX_BYTES", 2 * 1024 * 1024)
    noise = Image.frombytes("RGB", (1000, 1000), random.Random(1).randbytes(3_000_000))
    noise.save(images / "photos" / "bridge.jpg", format="PNG")  # noise does not compress: about 3 MB

    report = load([story()], images_root=images)

    assert report.failures[0].reason.startswith("images[0].file 'photos/bridge.jpg' is 3,")
    assert report.failures[0].reason.endswith("bytes; the limit is 2 MB")


# Checks.


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"headline": "h" * 201}, "headline is 201 characters long; the limit is 200"),
        ({"origin": "o" * 101}, "origin is 101 characters long; the limit is 100"),
        ({"external_id": ""}, "missing external id"),
        ({"section": "s" * 101}, "section is 101 characters long; the limit is 100"),
        ({"corrections": [CorrectionRecord("erratum", "x")]}, "corrections[0].kind 'erratum' is not one of"),
        ({"sources": [SourceRecord("Deep Throat", confidential=True)]}, "sources[0]: a confidential source needs"),
        ({"tags": ["t" * 101]}, "tags[0] is 101 characters long; the limit is 100"),
    ],
)
def test_records_the_database_cannot_hold_fail_with_a_clear_reason(images, overrides, reason):
    report = load([story(**overrides)], images_root=images)

    assert report.failed == 1 and report.failures[0].reason.startswith(reason)
    assert Article.objects.count() == 0


def test_slug_clash_gets_a_distinct_slug(images):
    make_article(slug="story-number-1")

    load([story()], images_root=images)

    slug = Article.objects.get(import_id="story-1").slug
    assert slug.startswith("story-number-1-") and len(slug) == len("story-number-1-") + 10


def test_headline_without_latin_letters_still_gets_a_slug(images):
    load([story(headline="Ελληνικά νέα")], images_root=images)

    assert Article.objects.get().slug.startswith("story-")


# Sources and quotes.


def test_speakers_match_existing_sources_by_folded_name_alias_and_organisation(images):
    ruiz = make_source(name="Ana Ruiz", organisation="City Council", aliases="Mayor Ruiz\nthe mayor")
    other = make_source(name="Ana Ruiz", organisation="Ruiz Fisheries")
    quotes = [
        QuoteRecord("One", "ANA RUÍZ", organisation="city council"),
        QuoteRecord("Two", "Mayor Ruiz"),
        QuoteRecord("Three", "Ana Ruiz", organisation="Ruiz Fisheries"),
        QuoteRecord("Four", "Priya Nair", "engineer"),
    ]

    load([story(1, quotes=quotes, sources=[]), story(2, quotes=quotes[3:], sources=[])], images_root=images)

    sources = dict(Quote.objects.values_list("text", "source"))
    assert (sources["One"], sources["Two"], sources["Three"]) == (ruiz.pk, ruiz.pk, other.pk)
    assert Source.objects.filter(name="Priya Nair").count() == 1
    assert Source.objects.count() == 3


def test_confidential_source_keeps_its_label_and_never_matches_a_named_one(images):
    named = make_source(name="Port engineer", organisation="")
    record = story(
        quotes=[QuoteRecord("The cracks are worse than admitted", "Port engineer")],
        sources=[SourceRecord("Port engineer", confidential=True, public_label="an engineer at the port")],
    )

    load([record], images_root=images)

    source = Quote.objects.get().source
    assert source.pk != named.pk
    assert (source.confidential, source.public_label, source.public_name) == (
        True,
        "an engineer at the port",
        "an engineer at the port",
    )


def test_quotes_are_extracted_from_the_body_when_the_record_has_none(images):
    pytest.importorskip("articles.quotes")

    load([story(quotes=[], sources=[])], images_root=images)

    quote = Quote.objects.select_related("source").get()
    assert (quote.text, quote.source.name) == ("We are relieved it is finally done", "Ana Ruiz")


def test_no_extraction_when_asked_or_when_the_extractor_is_missing(images, monkeypatch):
    load([story(1, quotes=[], sources=[])], images_root=images, extract_quotes=False)
    monkeypatch.delattr(articles, "quotes", raising=False)
    monkeypatch.setitem(sys.modules, "articles.quotes", None)  # makes the import fail
    load([story(2, quotes=[], sources=[])], images_root=images)

    assert Quote.objects.count() == 0
    assert Article.objects.count() == 2


# Cost.


@pytest.mark.parametrize("refused", [False, True], ids=["together", "one by one"])
def test_queries_per_story_do_not_grow_with_the_batch(images, refused):
    def queries_for(numbers):
        # A story the publish guard refuses sends its batch in again one story at a time.
        extra = [story(1000 + numbers[0], section="", bylines=[])] if refused else []
        with CaptureQueriesContext(connection) as queries:
            report = load([story(number) for number in numbers] + extra, images_root=images)
        assert (report.created, report.failed) == (len(numbers), len(extra))
        return len(queries)

    ten = queries_for(range(1, 11))
    fifty = queries_for(range(11, 61))

    per_story = (fifty - ten) / 40
    assert per_story <= ten / 10, (ten, fifty)
    assert fifty <= 5 * ten + 10
    if not refused:
        assert fifty <= ten + 5, (ten, fifty)  # written together: a batch costs the same whatever its size


def test_batches_split_a_long_input(images):
    report = load([story(number) for number in range(1, 8)], images_root=images, batch_size=3)

    assert report.created == 7
    assert Author.objects.count() == 2 and Section.objects.count() == 1 and Source.objects.count() == 1
    # Every batch's photos have their renditions drawn and recorded by the time the load returns.
    assert all(image.renditions["source"] == image.image.name for image in ImageCaption.objects.all())


def test_each_batch_is_indexed_for_search_once_when_it_commits(
    images, monkeypatch, django_capture_on_commit_callbacks
):
    indexed = []
    monkeypatch.setattr("articles.search.index_articles", lambda ids, documents: indexed.append(sorted(ids)))

    with django_capture_on_commit_callbacks(execute=True):
        load([story(number) for number in range(1, 6)], images_root=images, batch_size=3)

    ids = sorted(Article.objects.values_list("pk", flat=True))
    assert indexed == [ids[:3], ids[3:]]


def test_progress_is_called_after_every_story(images):
    seen = []

    load([story(1), RecordError("x:2", "bad"), story(1)], images_root=images, progress=lambda r: seen.append(r.total))

    assert seen == [1, 2, 3]


def test_updating_keeps_the_record_it_was_given(images):
    record = story()
    load([record], images_root=images)
    stored = Article.objects.get().import_fingerprint

    load([replace(record, location="elsewhere.jsonl:9")], images_root=images)

    assert Article.objects.get().import_fingerprint == stored
