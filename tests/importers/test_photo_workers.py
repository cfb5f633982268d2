"""
The loader's photos in worker processes: each put through the gate, drawn and stored from one
decoding, while the stories are written; and the loader's guarantees about files kept.
"""

import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from articles.importers import loader
from articles.importers.loader import load
from articles.importers.records import ArticleRecord, BylineRecord, ImageRecord
from articles.models import Article, ImageCaption

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(sys.platform != "linux", reason="photo workers are forked, on Linux only"),
]

TEST_PROCESS = os.getpid()


class Killed(BaseException):
    """Stands in for the process being killed (not an Exception, so nothing catches it)."""


def prepare_and_say_where(path, **options):
    """``_prepare_photo``, noting the process it ran in (a module function: a worker can be sent it)."""
    ready = REAL_PREPARE(path, **options)
    ready.process = os.getpid()
    return ready


def die_on_red(path, **options):
    """``_prepare_photo``, except that a worker given a picture named ``red…`` dies at once."""
    if Path(path).name.startswith("red"):
        if os.getpid() == TEST_PROCESS:
            raise RuntimeError("the picture that kills workers was read by the test process itself")
        os._exit(1)
    return REAL_PREPARE(path, **options)


REAL_PREPARE = loader._prepare_photo


@pytest.fixture
def in_workers(monkeypatch):
    """Photos go to the workers from a run's first photo."""
    monkeypatch.setattr(loader, "PHOTO_POOL_AFTER", 1)


@pytest.fixture
def images(tmp_path):
    root = tmp_path / "import"
    (root / "photos").mkdir(parents=True)
    return root


def photo(root, name, colour=(120, 140, 160), size=(40, 30)):
    Image.new("RGB", size, colour).save(root / "photos" / name, format="JPEG")
    return ImageRecord(file=f"photos/{name}", caption="The quay", credit="Tom Reyes/Gazette", alt_text="A quay")


def story(number, *images, **overrides):
    fields = {
        "origin": "feed",
        "external_id": f"story-{number}",
        "headline": f"Story number {number}",
        "body_html": "<p>The bridge reopened on Monday.</p>",
        "section": "City",
        "bylines": [BylineRecord("Maria Okafor")],
        "status": "published",
        "published_at": datetime(2024, 5, 6, 7, 0, tzinfo=UTC),
        "images": [replace(image, lead=index == 0) for index, image in enumerate(images)],
        "location": f"feed.jsonl:{number}",
    }
    return ArticleRecord(**(fields | overrides))


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def files_kept():
    """Every file the stored pictures name: photos and their renditions."""
    names = []
    for image in ImageCaption.objects.exclude(image=""):
        names.append(image.image.name)
        for size in image.renditions.get("sizes", []):
            names += [size["webp"], size["jpeg"]]
    return sorted(set(names))  # a JPEG photo is its own JPEG rendition at its width


def test_workers_put_photos_through_the_gate_draw_and_store_them(images, settings, in_workers, monkeypatch):
    monkeypatch.setattr(loader, "_prepare_photo", prepare_and_say_where)
    where = []
    take = loader._PhotoWork.take
    monkeypatch.setattr(
        loader._PhotoWork, "take", lambda self, picture: where.append(take(self, picture)) or where[-1]
    )
    records = [story(number, photo(images, f"{number}.jpg", size=(900, 600))) for number in range(1, 6)]

    report = load(records, images_root=images, batch_size=2)

    assert (report.created, report.failed) == (5, 0)
    assert all(ready.process != TEST_PROCESS for ready in where)
    for image in ImageCaption.objects.all():
        assert (image.width, image.height) == (900, 600)
        assert image.renditions["source"] == image.image.name
        assert [size["width"] for size in image.renditions["sizes"]] == [480, 800, 900]
        assert image.renditions["sizes"][0]["webp"].startswith(f"renditions/{image.image.name[len('images/') :]}/")
    assert media_files(settings) == files_kept()


def test_a_picture_the_gate_refuses_in_a_worker_fails_its_story_and_leaves_no_file(images, settings, in_workers):
    photo(images, "cut.jpg", size=(400, 300))
    data = (images / "photos" / "cut.jpg").read_bytes()
    (images / "photos" / "cut.jpg").write_bytes(data[: len(data) // 2])  # the header is sound, the pixels cut off
    records = [story(1, photo(images, "1.jpg")), story(2, replace(photo(images, "2.jpg"), file="photos/cut.jpg"))]

    report = load([*records, story(3, photo(images, "3.jpg"))], images_root=images)

    assert (report.created, report.failed) == (2, 1)
    assert report.failures[0].reason.startswith("images[0].file 'photos/cut.jpg': the file is not a picture")
    assert sorted(Article.objects.values_list("import_id", flat=True)) == ["story-1", "story-3"]
    assert media_files(settings) == files_kept()


def test_a_dry_run_with_workers_stores_nothing(images, settings, in_workers):
    report = load(
        [story(number, photo(images, f"{number}.jpg")) for number in range(1, 5)], images_root=images, dry_run=True
    )

    assert report.created == 4
    assert media_files(settings) == []


def test_an_update_with_the_same_photo_keeps_it_and_draws_nothing(images, settings, in_workers):
    load([story(1, photo(images, "1.jpg"))], images_root=images)
    stored = media_files(settings)

    report = load([story(1, photo(images, "1.jpg"), headline="Bridge reopens early")], images_root=images)

    assert report.updated == 1
    assert media_files(settings) == stored == files_kept()


def test_a_killed_run_leaves_the_files_of_what_it_committed_only(images, settings, in_workers, monkeypatch):
    original = loader.keep_revisions

    def keep_revisions(stories, *args, **kwargs):
        if any(story.import_id == "story-4" for story in stories):
            raise Killed
        return original(stories, *args, **kwargs)

    monkeypatch.setattr(loader, "keep_revisions", keep_revisions)
    records = [story(number, photo(images, f"{number}.jpg", colour=(number, 0, 0))) for number in range(1, 9)]

    # Batches of two: while the second is written, the third's photos are already stored.
    with pytest.raises(Killed):
        load(records, images_root=images, batch_size=2)

    assert sorted(Article.objects.values_list("import_id", flat=True)) == ["story-1", "story-2"]
    assert media_files(settings) == files_kept()

    monkeypatch.undo()
    monkeypatch.setattr(loader, "PHOTO_POOL_AFTER", 1)
    report = load(records, images_root=images, batch_size=2)

    assert (report.created, report.unchanged, report.failed) == (6, 2, 0)
    assert media_files(settings) == files_kept()


def test_a_story_given_again_in_the_next_batch_keeps_no_stray_file(images, settings, in_workers):
    # The next batch's photos are prepared while this one is written; story 1 comes again in it,
    # an update by then: what was prepared ahead for it as a new story is let go of.
    records = [story(1, photo(images, "1.jpg")), story(2, photo(images, "2.jpg"))]
    records += [story(3, photo(images, "3.jpg")), story(1, photo(images, "1.jpg"), headline="Again")]
    records += [story(4, photo(images, "4.jpg"))]

    report = load(records, images_root=images, batch_size=2)

    assert (report.created, report.updated, report.failed) == (4, 1, 0)
    assert Article.objects.get(import_id="story-1").headline == "Again"
    assert media_files(settings) == files_kept()


@pytest.mark.parametrize("workers", [2, 1], ids=["a photo to a task", "two photos to a task"])
def test_a_picture_that_kills_its_worker_fails_its_story_alone(images, settings, in_workers, monkeypatch, workers):
    monkeypatch.setattr(loader, "PHOTO_WORKERS", workers)  # five photos: one or two to a task, so all are busy
    monkeypatch.setattr(loader, "_prepare_photo", die_on_red)
    records = [story(number, photo(images, f"{number}.jpg")) for number in range(1, 4)]
    records.append(story(4, photo(images, "red.jpg", colour=(200, 0, 0))))

    report = load([*records, story(5, photo(images, "5.jpg"))], images_root=images)

    assert (report.created, report.failed) == (4, 1)
    assert report.failures[0].record == "feed.jsonl:4"
    assert (
        report.failures[0].reason == "images[0].file 'photos/red.jpg': the picture crashes the program that reads it"
    )
    # Every photo kept is there. Files the other workers were storing when the pool went down may
    # stay behind (whole or cut short), but nothing of the red picture's story was stored.
    stray = set(media_files(settings)) - set(files_kept())
    assert set(files_kept()) <= set(media_files(settings))
    for name in stray:
        try:
            with Image.open(Path(settings.MEDIA_ROOT) / name) as stored:
                colour = stored.convert("RGB").getpixel((0, 0))
        except OSError:  # cut short
            continue
        assert colour[1] > 100  # not the red picture, (200, 0, 0)


def test_a_photo_whose_renditions_could_not_be_drawn_is_shown_whole_until_they_are(client, images, monkeypatch):
    monkeypatch.setattr(
        "articles.images._draw", lambda picture, image_format: (_ for _ in ()).throw(OSError("no encoder"))
    )

    report = load([story(1, photo(images, "1.jpg"))], images_root=images)

    image = ImageCaption.objects.get()
    assert report.created == 1 and image.renditions == {}
    assert (
        report.notes[0].reason
        == f"renditions of {image.image.name} not drawn (OSError: no encoder); run make_renditions"
    )
    page = client.get(image.article.get_absolute_url()).content.decode()
    assert f'<img src="{image.image.url}" alt="A quay" width="40" height="30"' in page
    assert "<picture>" not in page

    monkeypatch.undo()
    call_command("make_renditions", verbosity=0)

    image.refresh_from_db()
    assert image.renditions["source"] == image.image.name
    page = client.get(image.article.get_absolute_url()).content.decode()
    assert f'srcset="{image.image.storage.url(image.renditions["sizes"][0]["webp"])} 40w"' in page
