"""
How fast ``import_articles`` is, and how much memory it needs.

    .venv/bin/python benchmarks/import_bench.py [--sizes 1000,10000] [--quotes carried,extract]
        [--photos with,without] [--photo-size 64x48] [--databases sqlite,postgresql]

Generates N synthetic jsonl stories (tags, a section, two bylines, two quotes from a pool of
speakers and, "with" photos, each its own small generated JPEG as its lead picture) in a
temporary folder and imports them with ``manage.py import_articles`` into a throwaway SQLite
database, and into a throwaway PostgreSQL database too when ``DATABASE_URL`` names one
(Django's test database, created and dropped). For each case it prints stories per second
for the first import and for a re-run of the same input (all unchanged), the CPU time spent
drawing the photos' renditions (in the loader's worker processes, or wherever
``articles.images`` draws them) as a share of the first run's time, the CPU time of the
first run per story (the import's process and its photo workers together), and the peak
resident memory of the process and of its largest photo worker. Quotes are carried by the
input (``--no-quotes``) or extracted from the body. Every measurement runs in a fresh
process, so peaks compare. The temporary folder (photos, media, SQLite file) is made where
``TMPDIR`` says.

Targets on the 2-core reference machine: at least 500 stories/s without extraction and
200/s with it; a re-run at least 5× faster than the first run; peak memory at 10,000
stories within 20% of that at 1,000.
"""

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ["City", "Harbour", "Politics", "Business", "Culture", "Sport", "Weather", "Opinion"]
FIRST = ["Ana", "Maria", "Tom", "Priya", "Lena", "Sam", "Jonas", "Aisha", "Karl", "Mei", "Omar", "Ruth"]
LAST = ["Ruiz", "Okafor", "Reyes", "Nair", "Berg", "Patel", "Lindqvist", "Haddad", "Novak", "Chen", "Silva", "Moore"]
ROLES = ["mayor", "spokeswoman", "engineer", "chief executive", "councillor", "harbour master"]
ORGANISATIONS = ["City council", "Port Authority", "Harbour Trust", "Ferry Company", "Chamber of Commerce"]
TAGS = [f"topic-{number}" for number in range(400)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="Comma-separated story counts (default 1000,10000).")
    parser.add_argument(
        "--quotes",
        default="carried,extract",
        help="carried (the input has quotes; --no-quotes), extract (quotes extracted from bodies) or both (default).",
    )
    parser.add_argument(
        "--photos", default="with,without", help="with (a photo per story), without, or both (default)."
    )
    parser.add_argument(
        "--photo-size",
        default="64x48",
        help="The photos' size in pixels, WIDTHxHEIGHT (default 64x48; an agency photo is more like 3000x2000).",
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        help="sqlite, postgresql (needs DATABASE_URL) or both (default: both when DATABASE_URL names PostgreSQL).",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        database, size, quotes, pictures, photo_size = options.child
        photo_size = tuple(int(side) for side in photo_size.split("x")) if pictures == "with" else None
        print(json.dumps(measure(database, int(size), extract=quotes == "extract", photo_size=photo_size)))
        return
    sizes = [int(size) for size in options.sizes.split(",")]
    print(
        f"{'database':<11}{'stories':>8} {'quotes':<9}{'photos':<8}{'first run':>11}{'re-run':>11}"
        f"{'speed-up':>10}{'drawing':>9}{'CPU/story':>11}{'peak RSS':>10}{'workers':>9}"
    )
    for database in options.databases.split(","):
        for quotes in options.quotes.split(","):
            for pictures in options.photos.split(","):
                for size in sizes:
                    result = run_child(database, size, quotes, pictures, options.photo_size)
                    first, rerun, missing = result["first_rate"], result["rerun_rate"], result["failed"]
                    print(
                        f"{database:<11}{size:>8,} {quotes:<9}{pictures:<8}{_rate(first):>9}/s{_rate(rerun):>9}/s"
                        f"{rerun / first:>9.1f}×{result['drawing']:>8.0%}{result['cpu_ms']:>8.2f} ms"
                        f"{result['peak_mib']:>6.0f} MiB{result['workers_mib']:>5.0f} MiB"
                        + (f"  ({missing} not live)" if missing else ""),
                        flush=True,
                    )


def _rate(rate):
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}"


def run_child(database, size, quotes, pictures, photo_size):
    """Measure one case in a fresh process, so that its peak memory is its own."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", database, str(size), quotes, pictures, photo_size],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode:
        sys.exit(f"{database} {size} {quotes} {pictures} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(database, size, *, extract, photo_size):
    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        folder = Path(folder)
        os.environ["DJANGO_SECRET_KEY"] = "benchmark-only"
        os.environ["DJANGO_DEBUG"] = "0"  # no query log
        os.environ["DJANGO_MEDIA_ROOT"] = str(folder / "media")
        if database == "sqlite":
            os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        stories = generate(folder / "input", size, with_quotes=not extract, photo_size=photo_size)
        if database == "sqlite":
            call_command("migrate", verbosity=0)
        else:
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
        from articles.models import Article

        drawing = _time_spent_drawing()
        try:
            arguments = [str(stories), "--status", "published"] + ([] if extract else ["--no-quotes"])
            cpu = _cpu_seconds()
            first = timed(call_command, "import_articles", *arguments)
            cpu = _cpu_seconds() - cpu
            drawn = sum(drawing)
            rerun = timed(call_command, "import_articles", *arguments)
            failed = size - Article.objects.live().count()
        finally:
            if database != "sqlite":
                connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "first_rate": size / first,
        "rerun_rate": size / rerun,
        "drawing": drawn / first,
        "cpu_ms": cpu * 1000 / size,
        "peak_mib": peak_kib / 1024,
        "workers_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "failed": failed,
    }


def _cpu_seconds():
    """CPU seconds used so far by this process and by its children that have ended (the loader's photo workers)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def _time_spent_drawing():
    """
    A list that gathers the CPU seconds drawing renditions takes: ``articles.images.make_renditions``
    call by call (in any thread), and the drawing the loader's photo workers report for each photo.
    """
    from articles import images
    from articles.importers import loader
    from articles.models import media

    spent, draw, take = [], images.make_renditions, loader._PhotoWork.take

    def take_photo(self, picture):
        ready = take(self, picture)
        spent.append(ready.drawing_seconds)
        return ready

    loader._PhotoWork.take = take_photo

    def make_renditions(*args, **kwargs):
        started = time.thread_time()
        try:
            return draw(*args, **kwargs)
        finally:
            spent.append(time.thread_time() - started)

    images.make_renditions = media.make_renditions = make_renditions  # where the loader or the model calls it
    return spent


def timed(function, *args):
    started = time.perf_counter()
    function(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return time.perf_counter() - started


def generate(folder, size, *, with_quotes, photo_size=(64, 48)):
    """
    Write ``size`` stories as ``stories.jsonl``, each with its own JPEG of ``photo_size`` under
    ``photos/`` (none when ``photo_size`` is None); return the jsonl path.
    """
    random.seed(size)
    (folder / "photos").mkdir(parents=True)
    path = folder / "stories.jsonl"
    with path.open("w", encoding="utf-8") as output:
        for number in range(size):
            photo = f"photos/{number:06d}.jpg" if photo_size else None
            if photo:
                picture(number, photo_size).save(folder / photo, format="JPEG", quality=85)
            output.write(json.dumps(story(number, photo, with_quotes=with_quotes), ensure_ascii=False) + "\n")
    return path


def picture(number, size):
    """A picture of its own for each story: a plain colour when small, else a shaded, grainy one, like a photo."""
    from PIL import Image

    colour = (number % 256, (number // 256) % 256, (number // 65536) % 256)
    if size[0] * size[1] <= 64 * 64:
        return Image.new("RGB", size, colour)
    shade = Image.radial_gradient("L").resize(size)
    grain = Image.effect_noise(size, 12)
    return Image.merge("RGB", (shade, grain, Image.new("L", size, colour[0])))


def story(number, photo, *, with_quotes):
    speakers = [(random.choice(FIRST), random.choice(LAST), random.choice(ROLES)) for _ in range(2)]
    organisation = random.choice(ORGANISATIONS)
    said = [
        f"We will have the new timetable ready by the spring, and the ferries will run every {n + 10} minutes"
        for n in range(2)
    ]
    paragraphs = [
        f"The harbour committee met on Tuesday to discuss item {number} on its agenda, which has divided the city.",
        f'"{said[0]}," said {speakers[0][2].title()} {speakers[0][0]} {speakers[0][1]}.',
        "Residents of the old town have complained about the noise for months, and the council has promised a "
        "review of the night-time schedule before the summer season begins.",
        f'{speakers[1][0]} {speakers[1][1]}, a {speakers[1][2]} at the {organisation}, said: "{said[1]}."',
        "The committee will publish its decision next week.",
    ]
    line = {
        "origin": "bench",
        "external_id": f"bench-{number}",
        "headline": f"Harbour committee weighs item {number} as the city divides",
        "standfirst": "A decision is due next week.",
        "body_html": "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs),
        "section": random.choice(SECTIONS),
        "tags": random.sample(TAGS, 3),
        "authors": [
            {"name": f"{random.choice(FIRST)} {random.choice(LAST)}", "role": "reporting"},
            {"name": "Tom Reyes", "role": "photos"},
        ],
        "published_at": "2024-05-06T07:00:00+02:00",
    }
    if photo:
        line["images"] = [
            {
                "file": photo,
                "caption": "The harbour at dawn",
                "credit": "Tom Reyes/Harbour Gazette",
                "alt_text": "Boats moored in a calm harbour",
                "lead": True,
            }
        ]
    if with_quotes:
        line["quotes"] = [
            {"text": said[0], "speaker": f"{speakers[0][0]} {speakers[0][1]}", "role": speakers[0][2]},
            {
                "text": said[1],
                "speaker": f"{speakers[1][0]} {speakers[1][1]}",
                "role": speakers[1][2],
                "organisation": organisation,
            },
        ]
    return line


if __name__ == "__main__":
    main()
