"""``import_articles`` and ``export_articles``: files in, stories out, failures reported, nothing leaked."""

import functools
import gc
import io
import json
import shutil
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image, ImageStat
from taggit.models import Tag

from articles.importers import ninjs
from articles.importers.loader import load
from articles.management.commands import import_articles
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
from tests.builders import make_rich_article
from tests.importers.hostile_xml import entity_bomb, external_entity
from tests.importers.test_loader import png_declaring, write_jpeg

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
MODELS = (Article, Byline, ImageCaption, Quote, Source, Section, Author, Correction, ArticleRevision, Tag)


def line(number=1, **overrides):
    """One jsonl story that can be published as it is."""
    fields = {
        "origin": "wire",
        "external_id": f"wire-{number}",
        "headline": f"Ferry timetable changes, part {number}",
        "body_html": '<p>"We will run every ten minutes," said Ana Ruiz.</p><script>alert(1)</script>',
        "section": "City",
        "tags": ["ferries"],
        "authors": [{"name": "Maria Okafor"}],
        "status": "published",
        "published_at": "2024-05-06T07:00:00+02:00",
        "images": [
            {
                "file": "photos/ferry.jpg",
                "caption": "The ferry",
                "credit": "Gazette",
                "alt_text": "A ferry",
                "lead": True,
            }
        ],
        "quotes": [{"text": "We will run every ten minutes", "speaker": "Ana Ruiz", "role": "director"}],
    }
    return json.dumps(fields | overrides, ensure_ascii=False)


def write_feed(folder, *lines, name="feed.jsonl"):
    folder.mkdir(parents=True, exist_ok=True)
    write_jpeg(folder / "photos" / "ferry.jpg")
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args):
    """Run ``import_articles``; (stdout, stderr, CommandError or None)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=stdout, stderr=stderr)
    except CommandError as error:
        return stdout.getvalue(), stderr.getvalue(), error
    return stdout.getvalue(), stderr.getvalue(), None


def export(*args):
    stdout = io.StringIO()
    call_command("export_articles", *map(str, args), stdout=stdout, stderr=io.StringIO())
    return [json.loads(text) for text in stdout.getvalue().splitlines()]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_import_prints_a_summary_and_exits_cleanly(tmp_path):
    feed = write_feed(tmp_path, line(1), line(2))

    stdout, _, error = run(feed)

    assert error is None
    assert stdout.strip().startswith("Imported: 2 created, 0 updated, 0 unchanged, 0 failed (1 files,")
    assert Article.objects.live().count() == 2
    assert "<script>" not in Article.objects.first().body


def test_notes_are_printed_so_the_desk_sees_what_awaits_a_photo(tmp_path):
    remote = {"url": "https://photos.example/ferry.jpg", "caption": "The ferry", "alt_text": "A ferry"}
    feed = write_feed(tmp_path, line(1, status="draft", images=[remote]))

    stdout, stderr, error = run(feed)

    assert error is None and "1 created" in stdout
    assert "Note: feed.jsonl:1: " in stderr and "https://photos.example/ferry.jpg" in stderr


def test_second_run_is_all_unchanged(tmp_path):
    feed = write_feed(tmp_path, line(1), line(2))
    run(feed)
    before = counts()

    stdout, _, error = run(feed)

    assert error is None and "0 created, 0 updated, 2 unchanged, 0 failed" in stdout
    assert counts() == before


def test_a_failed_story_makes_the_exit_status_non_zero_and_the_report_says_why(tmp_path):
    feed = write_feed(tmp_path, line(1), '{"external_id": "cut', line(3, headline="h" * 300))
    report = tmp_path / "report.json"

    stdout, stderr, error = run(feed, "--report", report)

    assert error is not None and error.returncode == 1
    assert "1 created, 0 updated, 0 unchanged, 2 failed" in stdout
    assert "Failed: feed.jsonl:2: invalid JSON" in stderr
    data = json.loads(report.read_text())
    assert data["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "failed": 2}
    assert data["dry_run"] is False and data["files"] == 1
    assert data["failures"] == [
        {"file": "feed.jsonl", "record": "feed.jsonl:2", "reason": data["failures"][0]["reason"]},
        {
            "file": "feed.jsonl",
            "record": "feed.jsonl:3",
            "reason": "headline is 300 characters long; the limit is 200",
        },
    ]
    assert data["failures"][0]["reason"].startswith("invalid JSON: Unterminated string")


def test_dry_run_reports_what_would_happen_and_writes_nothing(tmp_path, settings):
    feed = write_feed(tmp_path, line(1), line(2))
    report = tmp_path / "report.json"

    stdout, _, error = run(feed, "--dry-run", "--report", report)

    assert error is None
    assert stdout.startswith("Dry run, nothing written: 2 created")
    assert json.loads(report.read_text())["dry_run"] is True
    assert counts() == {model.__name__: 0 for model in MODELS}
    assert media_files(settings) == []


def test_directories_are_walked_and_an_undetectable_file_is_a_failure_naming_it(tmp_path):
    root = tmp_path / "drop"
    write_feed(root / "wire", line(1))
    shutil.copy(FIXTURES / "text" / "bridge-reopens.txt", root / "bridge-reopens.txt")
    shutil.copy(FIXTURES / "text" / "bridge-reopens.jpg", root / "bridge-reopens.jpg")
    (root / "notes.csv").write_text("a,b\n")
    (root / ".hidden.jsonl").write_text("not json\n")
    report = tmp_path / "report.json"

    _, _, error = run(root, "--report", report)

    assert error is not None
    data = json.loads(report.read_text())
    assert data["counts"]["created"] == 2 and data["files"] == 3
    assert [(f["file"], f["reason"]) for f in data["failures"]] == [
        ("notes.csv", "unknown kind of file (.csv); expected .jsonl, .json, .xml, .nitf or .txt")
    ]
    text = Article.objects.get(import_origin="text")
    assert text.import_id == "bridge-reopens.txt"
    assert text.images.get().image.name.startswith("images/")


def test_status_section_and_author_defaults_apply_to_stories_without_them(tmp_path):
    feed = write_feed(tmp_path, line(1, status=None, section=None, authors=None), line(2, status="draft"))

    run(feed, "--status", "published", "--section", "News", "--author", "Desk")

    first, second = Article.objects.order_by("import_id")
    assert (first.status, first.section.name, first.byline) == ("published", "News", "Desk")
    assert (second.status, second.section.name, second.byline) == ("draft", "City", "Maria Okafor")


def test_no_quotes_skips_extraction(tmp_path):
    feed = write_feed(tmp_path, line(1, quotes=None))

    run(feed, "--no-quotes")

    assert Quote.objects.count() == 0


def test_images_dir_is_where_image_paths_resolve(tmp_path):
    feed = write_feed(tmp_path / "feed", line(1))
    (tmp_path / "feed" / "photos" / "ferry.jpg").rename(tmp_path / "ferry.jpg")

    run(feed, "--images-dir", tmp_path)
    assert not ImageCaption.objects.get().image  # not beside the file any more: awaiting its photo

    feed.write_text(line(1, images=[{"file": "ferry.jpg", "caption": "c", "credit": "c", "alt_text": "a"}]) + "\n")
    run(feed, "--images-dir", tmp_path)
    assert ImageCaption.objects.get().image


def test_plain_progress_lines_when_not_on_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("articles.management.commands.import_articles.PROGRESS_EVERY", 2)
    feed = write_feed(tmp_path, *(line(number) for number in range(1, 6)))

    stdout, _, _ = run(feed)

    progress = [text for text in stdout.splitlines() if text.endswith("/s)")]
    assert [text.split(":")[0] for text in progress] == ["2 stories", "4 stories"]


def test_the_collector_is_left_as_it_was_found_whatever_the_run_ends_with(tmp_path, monkeypatch):
    # The command freezes what is alive before the run; a process that goes on afterwards
    # (a shell, a test run, a scheduler) must get every object back for collection.
    bad = write_feed(tmp_path, line(1), line(2, headline=""), name="bad.jsonl")
    assert gc.get_freeze_count() == 0

    _, _, error = run(bad)
    assert error is not None and gc.get_freeze_count() == 0

    monkeypatch.setattr(import_articles, "load", mock.Mock(side_effect=KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run(bad)
    assert gc.get_freeze_count() == 0


def test_missing_path_is_an_error():
    with pytest.raises(CommandError, match="no such file or directory"):
        call_command("import_articles", "/nowhere/at/all", stdout=io.StringIO())


class Killed(BaseException):
    pass


def test_killed_run_is_completed_by_running_again_with_more_stories(tmp_path, settings, monkeypatch):
    feed = write_feed(tmp_path, *(line(number) for number in range(1, 6)))
    # Batches of three: wire-1..3 commit together; the process dies while wire-4 and wire-5 are written.
    monkeypatch.setattr(import_articles, "load", functools.partial(load, batch_size=3))
    original = Quote.objects.bulk_create

    def bulk_create(objs, *args, **kwargs):
        objs = list(objs)
        if any(quote.article.import_id == "wire-5" for quote in objs):
            raise Killed
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Quote.objects, "bulk_create", bulk_create)
    with pytest.raises(Killed):
        run(feed)
    assert sorted(Article.objects.values_list("import_id", flat=True)) == ["wire-1", "wire-2", "wire-3"]
    stored = sorted(ImageCaption.objects.values_list("image", flat=True))
    assert [name for name in media_files(settings) if name.startswith("images/")] == stored  # wire-4's went too

    monkeypatch.setattr(Quote.objects, "bulk_create", original)
    write_feed(tmp_path, *(line(number) for number in range(1, 9)))
    stdout, _, error = run(feed)

    assert error is None and "5 created, 0 updated, 3 unchanged, 0 failed" in stdout
    assert sorted(Article.objects.values_list("import_id", flat=True)) == [f"wire-{n}" for n in range(1, 9)]
    assert ImageCaption.objects.count() == 8 and Quote.objects.count() == 8


# Hostile input: a clear error and nothing else.

POST = b"""<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>%s</title>
<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>
"""
BILLION_LAUGHS = entity_bomb(b"rss", POST % b"&lol3;", levels=3)
XXE = external_entity(b"rss", POST % b"&secret;")


def _image_line(path):
    return line(1, images=[{"file": path, "caption": "c", "credit": "c", "alt_text": "a"}])


def _not_an_image(folder):
    (folder / "photos" / "fake.jpg").write_text("#!/bin/sh\necho I am not a picture\n")
    return _image_line("photos/fake.jpg")


def _bomb(folder):
    png_declaring(folder / "photos" / "bomb.png", 60_000, 60_000)
    return _image_line("photos/bomb.png")


HOSTILE = [
    ("path escape", lambda folder: _image_line("../../etc/passwd"), "feed.jsonl", "must be a relative path inside"),
    ("absolute path", lambda folder: _image_line("/etc/passwd"), "feed.jsonl", "must be a relative path inside"),
    ("not an image", _not_an_image, "feed.jsonl", "is not a JPEG, PNG, WebP or GIF picture"),
    ("decompression bomb", _bomb, "feed.jsonl", "(a decompression bomb)"),
    ("1 MB headline", lambda folder: line(1, headline="x" * 1_000_000), "feed.jsonl", "the limit is 1,000"),
    ("missing external_id", lambda folder: line(1, external_id=None), "feed.jsonl", "missing required field"),
    ("missing headline", lambda folder: line(1, headline=""), "feed.jsonl", "missing required field 'headline'"),
    ("invalid UTF-8", lambda folder: b'{"external_id": "x", "headline": "Caf\xe9"}', "feed.jsonl", "invalid UTF-8"),
    ("truncated JSON", lambda folder: '{"external_id": "x", "headline": "Cut', "feed.jsonl", "invalid JSON"),
    ("billion laughs", lambda folder: BILLION_LAUGHS, "export.xml", "declares a DTD"),
    ("external entity", lambda folder: XXE, "export.xml", "declares a DTD"),
]


@pytest.mark.parametrize(("label", "make", "name", "reason"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_input_gets_a_clear_error_and_nothing_else(tmp_path, settings, label, make, name, reason):
    # The XML cases name their format: detection stops at an internal DTD subset before the root element.
    folder = tmp_path / "drop"
    write_feed(folder, line(99))  # creates photos/; the feed itself is replaced below
    (folder / "feed.jsonl").unlink()
    content = make(folder)
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    report = tmp_path / "report.json"
    before = counts()

    _, _, error = run(path, "--report", report, *(["--format", "wxr"] if name.endswith(".xml") else []))

    assert error is not None and error.returncode == 1
    failures = json.loads(report.read_text())["failures"]
    assert len(failures) == 1 and failures[0]["file"] == name
    assert reason in failures[0]["reason"]
    assert len(failures[0]["reason"]) < 300  # the hostile value is never echoed whole
    assert counts() == before
    assert media_files(settings) == []


# Export.


def test_round_trip_through_jsonl_gives_the_same_stories(tmp_path, settings):
    make_rich_article(headline="Rich story", slug="rich-story", tags=("harbour", "council"))
    scheduled = make_rich_article(slug="scheduled-story", published_at=timezone.now() + timedelta(days=1))
    scheduled.embargo_until = timezone.now() + timedelta(days=2)
    scheduled.save()
    withdrawn = make_rich_article(slug="withdrawn-story")
    withdrawn.withdraw(comment="Legal")
    draft = make_rich_article(slug="draft-story", status=Article.Status.DRAFT, published_at=None)
    draft.add_correction("An earlier version misspelt a name.")
    draft.sources.add(  # consulted, never quoted
        Source.objects.create(name="Tide tables", kind="document", organisation="Harbour Office"),
        Source.objects.create(name="Ines Ward", role="surveyor", confidential=True, public_label="a surveyor"),
    )
    before = _content()
    exported = tmp_path / "export.jsonl"
    call_command("export_articles", "--include-confidential", "--output", exported, stdout=io.StringIO())
    media = tmp_path / "old-media"
    shutil.copytree(settings.MEDIA_ROOT, media)

    for model in (Article, Source, Author, Section, Tag):
        model.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)
    stdout, _, error = run(exported, "--images-dir", media)

    assert error is None, stdout
    assert "4 created" in stdout
    assert _content() == before
    assert ImageCaption.objects.exclude(image="").count() == 8
    assert [name for name in media_files(settings) if name.startswith("images/")] == sorted(
        ImageCaption.objects.exclude(image="").values_list("image", flat=True)
    )


def _content():
    """Everything a story is, without database ids, storage names or the times the import keeps of itself."""
    stories = {}
    for article in Article.objects.prefetch_related("tags", "images", "corrections", "bylines__author"):
        stories[article.slug] = {
            "text": (article.headline, article.standfirst, article.body, str(article.section)),
            "status": (article.status, article.published_at, article.embargo_until, article.updated_at),
            "tags": sorted(tag.name for tag in article.tags.all()),
            "bylines": [(b.author.name, b.role) for b in article.bylines.all()],
            "images": [
                (i.caption, i.credit, i.alt_text, i.is_lead, i.width, i.height, _look(i.image))
                for i in article.images.all()
            ],
            "quotes": [
                (q.text, q.is_pull_quote, q.source.name, q.source.role, q.source.organisation, q.source.confidential)
                + (q.source.public_label,)
                for q in article.quotes.select_related("source")
            ],
            "corrections": [(c.kind, c.text, c.published_at) for c in article.corrections.all()],
            "sources consulted": sorted(
                article.sources.values_list("name", "role", "organisation", "kind", "confidential", "public_label")
            ),
        }
    sources = sorted(
        Source.objects.filter(quotes__isnull=False)
        .distinct()
        .values_list("name", "role", "organisation", "kind", "confidential", "public_label")
    )
    return stories, sources


def _look(image):
    """What a photo shows, roughly: the image gate re-encodes photos, so their bytes differ, not their pixels."""
    if not image:
        return None
    with image.open("rb") as stream, Image.open(stream) as picture:
        return tuple(round(value / 8) for value in ImageStat.Stat(picture.convert("RGB")).mean)


def test_export_replaces_confidential_sources_by_their_labels_unless_asked(tmp_path):
    article = make_rich_article()
    secret = Source.objects.get(confidential=True)
    secret.name, secret.role, secret.organisation = "Deep Throat", "deputy director", "FBI"
    secret.save()

    public = json.dumps(export())
    assert "a senior official" in public
    assert not {"Deep Throat", "deputy director", "FBI"} & set(_strings(json.loads(public)))

    revealed = export("--include-confidential")
    assert {"Deep Throat", "deputy director", "FBI"} <= set(_strings(revealed))
    assert article.quotes.count() == len(revealed[0]["quotes"])


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_export_filters_by_status_and_since():
    make_rich_article(slug="live-one")
    make_rich_article(slug="draft-one", status=Article.Status.DRAFT, published_at=None)
    Article.objects.filter(slug="draft-one").update(updated_at=timezone.now() - timedelta(days=10))

    assert [item["slug"] for item in export("--status", "published")] == ["live-one"]
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert [item["slug"] for item in export("--since", since)] == ["live-one"]
    with pytest.raises(CommandError, match="not an ISO 8601"):
        export("--since", "last tuesday")


def test_export_streams_a_constant_number_of_queries(django_assert_max_num_queries):
    for number in range(5):
        make_rich_article(slug=f"story-{number}")

    # The stories, then bylines, images, quotes, tags, corrections and sources consulted.
    with django_assert_max_num_queries(7):
        assert len(export()) == 5


def test_ninjs_export_reads_back_as_ninjs(tmp_path):
    make_rich_article(headline="Harbour story", slug="harbour-story")
    output = tmp_path / "out.jsonl"

    call_command("export_articles", "--format", "ninjs", "--output", output, stdout=io.StringIO())

    with output.open("rb") as stream:
        (record,) = ninjs.parse(stream, name="out.jsonl")
    assert record.headline == "Harbour story" and record.status == "published"
    assert record.images[0].caption == "Boats in the harbour at dawn"


def test_desk_story_is_exported_with_an_import_key_and_reimports_once(tmp_path, settings):
    article = make_rich_article(slug="desk-story")
    exported = tmp_path / "export.jsonl"
    call_command("export_articles", "--output", exported, stdout=io.StringIO())
    item = json.loads(exported.read_text())
    assert (item["origin"], item["external_id"]) == ("newsroom", str(article.pk))
    assert all((Path(settings.MEDIA_ROOT) / image["file"]).is_file() for image in item["images"])
    media = tmp_path / "old-media"
    shutil.copytree(settings.MEDIA_ROOT, media)
    Article.objects.all().delete()

    first, _, _ = run(exported, "--images-dir", media)
    second, _, _ = run(exported, "--images-dir", media)

    assert "1 created" in first and "0 created, 0 updated, 1 unchanged" in second
    assert Article.objects.get().slug == "desk-story"
