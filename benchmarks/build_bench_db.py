"""
A throwaway newsroom of N synthetic live stories for load tests.

Fills the database that DATABASE_URL names (SQLite or PostgreSQL; it must hold
no stories yet) with N stories (default 10,000) spread over 8 sections, 40
authors and 200 tags, each with one or two bylines, a lead photo with its
renditions, two quotes (one a pull quote) and three tags, then indexes them
all for search. Without DATABASE_URL it makes an SQLite file in a new
temporary folder. Photos go to DJANGO_MEDIA_ROOT (a temporary folder when
unset); only a handful are drawn and every story shares them.

Rows go in with ``bulk_create`` and stories are made live by setting their
status and publication time directly: this is a fixture, the desk's workflow
is not under test. Run: ``.venv/bin/python benchmarks/build_bench_db.py 10000``
(``benchmarks/serve_bench.sh`` runs it for you).
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTIONS = ["News", "Politics", "Business", "Environment", "Culture", "Sport", "Science", "Opinion"]
FIRST_NAMES = ["Maria", "Daniel", "Priya", "Owen", "Grace", "Tom", "Aisha", "Lukas"]
LAST_NAMES = ["Okafor", "Hargreaves", "Natarajan", "Pritchard", "Lindqvist"]
# Each headline names one topic, so searching for a topic finds about 1 story in 50.
TOPICS = [
    "ferry", "harbour", "council", "budget", "flooding", "school", "hospital", "museum", "festival", "stadium",
    "railway", "housing", "fishery", "wind", "bridge", "library", "market", "police", "court", "airport",
    "estuary", "theatre", "orchestra", "election", "mayor", "tram", "port", "shipyard", "brewery", "university",
    "lighthouse", "pier", "beach", "reservoir", "cathedral", "quarry", "allotment", "cinema", "gallery", "zoo",
    "marathon", "regatta", "cricket", "rugby", "tide", "storm", "coastguard", "lifeboat", "bakery", "bus",
]  # fmt: skip
ASPECTS = ["plans", "funding", "inquiry", "history"]
VERBS = ["faces", "wins", "delays", "backs", "rejects", "reviews", "expands", "celebrates"]
WORDS = (
    "the city said on a new plan for its residents would be after months of talks while officials "
    "warned that costs could rise as the work began last week and many people in the area have "
    "waited years for changes to services which were cut during the long winter when the river "
    "rose above its banks near the old quay where boats once unloaded grain timber and coal for "
    "mills that closed decades ago leaving empty warehouses now turned into flats shops studios "
    "and cafes that draw visitors from across the region every summer weekend"
).split()
QUOTE_SOURCES = 60
PHOTOS = 6


def sentence(rng, words=14):
    text = " ".join(rng.choices(WORDS, k=words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng, topic):
    sentences = [sentence(rng, rng.randint(10, 22)) for _ in range(rng.randint(2, 4))]
    sentences.insert(rng.randrange(len(sentences) + 1), f"The {topic} was discussed again.")
    return " ".join(sentences)


def draw_photo(number):
    """A 1200 × 800 JPEG: the demo newsroom's drawn scenes, scaled down."""
    from PIL import Image

    from articles.demo.pictures import PALETTES, draw_scene

    scene = list(PALETTES)[number % len(PALETTES)]
    picture = draw_scene(scene, seed=number).resize((1200, 800), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


def build(count, seed=2024):
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone
    from django.utils.text import slugify
    from taggit.models import Tag, TaggedItem

    from articles import search
    from articles.models import Article, Author, Byline, ImageCaption, Quote, Section, Source
    from articles.planner import refresh_statistics

    rng = random.Random(seed)
    now = timezone.now()
    timings = {}
    started = time.perf_counter()

    with transaction.atomic():
        sections = Section.objects.bulk_create(
            Section(name=name, slug=slugify(name), description=f"Stories filed under {name}.", position=position)
            for position, name in enumerate(SECTIONS)
        )
        authors = Author.objects.bulk_create(
            Author(name=f"{first} {last}", slug=slugify(f"{first} {last}"), job_title="Reporter")
            for first in FIRST_NAMES
            for last in LAST_NAMES
        )
        tags = Tag.objects.bulk_create(
            Tag(name=f"{topic.capitalize()} {aspect}", slug=slugify(f"{topic} {aspect}"))
            for topic in TOPICS
            for aspect in ASPECTS
        )
        sources = Source.objects.bulk_create(
            Source(
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number}",
                role="spokesperson",
                organisation=f"{rng.choice(TOPICS).capitalize()} Trust",
                confidential=number % 10 == 0,
                public_label="a senior official" if number % 10 == 0 else "",
            )
            for number in range(QUOTE_SOURCES)
        )

        stories = []
        for number in range(count):
            topic = rng.choice(TOPICS)
            headline = f"{topic.capitalize()} {rng.choice(VERBS)} {' '.join(rng.choices(WORDS, k=5))}"
            body = "\n".join(f"<p>{paragraph(rng, topic)}</p>" for _ in range(rng.randint(6, 10)))
            stories.append(
                Article(
                    headline=headline,
                    slug=f"{slugify(headline)[:180]}-{number}",
                    standfirst=sentence(rng, 25),
                    body=body,
                    section=sections[number % len(sections)],
                    status=Article.Status.PUBLISHED,
                    published_at=now - timedelta(minutes=30 * (number + 1)),
                )
            )
        stories = Article.objects.bulk_create(stories, batch_size=1000)
        # Last touched when it went out, as an archive is: no "Updated" line.
        Article.objects.update(updated_at=F("published_at"), created_at=F("published_at"))
        timings["stories"] = time.perf_counter() - started

        Byline.objects.bulk_create(
            (
                Byline(article=story, author=author, role=role, position=position)
                for story in stories
                for position, (author, role) in enumerate(
                    [(rng.choice(authors), Byline.Role.REPORTING)]
                    + ([(rng.choice(authors), Byline.Role.ADDITIONAL_REPORTING)] if rng.random() < 0.3 else [])
                )
            ),
            batch_size=1000,
        )
        story_type = ContentType.objects.get_for_model(Article)
        TaggedItem.objects.bulk_create(
            (
                TaggedItem(tag=tag, content_type=story_type, object_id=story.pk)
                for story in stories
                for tag in rng.sample(tags, 3)
            ),
            batch_size=1000,
        )
        Quote.objects.bulk_create(
            (
                Quote(
                    article=story,
                    source=rng.choice(sources),
                    text=sentence(rng, 18),
                    position=position,
                    is_pull_quote=position == 0,
                )
                for story in stories
                for position in range(2)
            ),
            batch_size=1000,
        )
        timings["relations"] = time.perf_counter() - started - sum(timings.values())

        # A few photos drawn, with their renditions, on the first stories; every
        # other story shows one of them (same file names, renditions and size).
        drawn = []
        for number, story in enumerate(stories[:PHOTOS]):
            name = default_storage.save(f"images/bench/photo-{number}.jpg", ContentFile(draw_photo(number)))
            photo = ImageCaption.objects.create(
                article=story,
                image=name,
                caption=f"Photo {number} of the benchmark newsroom.",
                credit="Benchmark Photo Agency",
                alt_text="A drawn scene of the city.",
                is_lead=True,
            )
            photo.ensure_renditions()
            drawn.append(photo)
        ImageCaption.objects.bulk_create(
            (
                ImageCaption(
                    article=story,
                    image=photo.image.name,
                    renditions=photo.renditions,
                    width=photo.width,
                    height=photo.height,
                    caption=photo.caption,
                    credit=photo.credit,
                    alt_text=photo.alt_text,
                    is_lead=True,
                )
                for number, story in enumerate(stories[PHOTOS:])
                for photo in [drawn[number % len(drawn)]]
            ),
            batch_size=1000,
        )
        timings["photos"] = time.perf_counter() - started - sum(timings.values())

    indexed = search.rebuild_index()
    refresh_statistics()  # as an import does when it is done
    timings["search"] = time.perf_counter() - started - sum(timings.values())

    live = Article.objects.live().count()
    total = time.perf_counter() - started
    print(
        f"Built {live:,} live stories in {len(sections)} sections: {len(authors)} authors, {len(tags)} tags, "
        f"{len(sources)} sources, {Byline.objects.count():,} bylines, {Quote.objects.count():,} quotes, "
        f"{TaggedItem.objects.count():,} tag links, {ImageCaption.objects.count():,} lead photos "
        f"({len(drawn)} drawn), {indexed:,} stories indexed for search."
    )
    print(f"Took {total:.1f} s (" + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()) + ").")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000, help="live stories to build (default 10000)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("build at least one story")

    workdir = None
    if "DATABASE_URL" not in os.environ or "DJANGO_MEDIA_ROOT" not in os.environ:
        workdir = tempfile.mkdtemp(prefix="newsroom-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", f"{workdir}/media")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    from articles.models import Article

    call_command("migrate", verbosity=0)
    if Article.objects.exists():
        sys.exit(f"{settings.DATABASES['default']['NAME']} already holds stories; point DATABASE_URL at an empty one.")
    build(args.count)
    print(f"Database: {settings.DATABASES['default']['NAME']}; photos in {settings.MEDIA_ROOT}")


if __name__ == "__main__":
    main()
