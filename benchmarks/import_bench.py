"""
How fast ``import_articles`` is, and how much memory it needs.

    .venv/bin/python benchmarks/import_bench.py [--sizes 1000,10000] [--quotes carried,extract]

Generates N synthetic jsonl stories (each with its own small generated JPEG, tags, a
section, two bylines and two quotes from a pool of speakers) in a temporary folder and
imports them with ``manage.py import_articles`` into a throwaway SQLite database, and
into a throwaway PostgreSQL database too when ``DATABASE_URL`` names one (Django's test
database, created and dropped). For each size it prints stories per second for the first
import and for a re-run of the same input (all unchanged), with quotes carried by the
input (``--no-quotes``) and with quotes extracted from the body, and the peak resident
memory of the process. Every measurement runs in a fresh process, so peaks compare.

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
    parser.add_argument("--child", nargs=3, metavar=("DATABASE", "SIZE", "MODE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        database, size, mode = options.child
        print(json.dumps(measure(database, int(size), extract=mode == "extract")))
        return
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else [])
    sizes = [int(size) for size in options.sizes.split(",")]
    print(
        f"{'database':<11}{'stories':>8} {'quotes':<10}{'first run':>12}{'re-run':>12}{'speed-up':>10}{'peak RSS':>11}"
    )
    for database in databases:
        for mode in options.quotes.split(","):
            for size in sizes:
                result = run_child(database, size, mode)
                first, rerun, missing = result["first_rate"], result["rerun_rate"], result["failed"]
                print(
                    f"{database:<11}{size:>8,} {mode:<10}{first:>10,.0f}/s{rerun:>10,.0f}/s{rerun / first:>9.1f}×"
                    f"{result['peak_mib']:>8.0f} MiB" + (f"  ({missing} not live)" if missing else "")
                )


def run_child(database, size, mode):
    """Measure one case in a fresh process, so that its peak memory is its own."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", database, str(size), mode],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode:
        sys.exit(f"{database} {size} {mode} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(database, size, *, extract):
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

        stories = generate(folder / "input", size, with_quotes=not extract)
        if database == "sqlite":
            call_command("migrate", verbosity=0)
        else:
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
        from articles.models import Article

        try:
            arguments = [str(stories), "--status", "published"] + ([] if extract else ["--no-quotes"])
            first = timed(call_command, "import_articles", *arguments)
            rerun = timed(call_command, "import_articles", *arguments)
            failed = size - Article.objects.live().count()
        finally:
            if database != "sqlite":
                connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "first_rate": size / first,
        "rerun_rate": size / rerun,
        "peak_mib": peak_kib / 1024,
        "failed": failed,
    }


def timed(function, *args):
    started = time.perf_counter()
    function(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return time.perf_counter() - started


def generate(folder, size, *, with_quotes):
    """Write ``size`` stories as ``stories.jsonl`` with one JPEG each under ``photos/``; return the jsonl path."""
    from PIL import Image

    random.seed(size)
    (folder / "photos").mkdir(parents=True)
    path = folder / "stories.jsonl"
    with path.open("w", encoding="utf-8") as output:
        for number in range(size):
            photo = f"photos/{number:06d}.jpg"
            colour = (number % 256, (number // 256) % 256, (number // 65536) % 256)
            Image.new("RGB", (64, 48), colour).save(folder / photo, format="JPEG", quality=80)
            output.write(json.dumps(story(number, photo, with_quotes=with_quotes), ensure_ascii=False) + "\n")
    return path


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
        "images": [
            {
                "file": photo,
                "caption": "The harbour at dawn",
                "credit": "Tom Reyes/Harbour Gazette",
                "alt_text": "Boats moored in a calm harbour",
                "lead": True,
            }
        ],
    }
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
