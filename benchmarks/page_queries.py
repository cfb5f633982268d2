"""
Query counts and render times of the public pages and admin lists.

Builds a throwaway SQLite database (or uses DATABASE_URL when set), loads
the demo newsroom, adds ``--extra`` copies of its stories so listings are
full, then requests each page and prints its queries cold (the cache empty:
what a page costs after every change to the newsroom) and warm (story
fragments kept, as on a running site), then the median milliseconds and pages
per second warm. The page cache is off throughout; ``--no-fragments`` turns the
fragment cache off too. Run: ``make bench`` or
``.venv/bin/python benchmarks/page_queries.py --extra 500 --repeat 20``.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extra", type=int, default=300, help="extra copies of demo stories (default 300)")
    parser.add_argument("--repeat", type=int, default=15, help="requests per page (default 15)")
    parser.add_argument("--no-fragments", action="store_true", help="render every piece on every request")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="newsroom-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_PAGE_CACHE_SECONDS", "0")  # measure the views, not the page cache
    if args.no_fragments:
        os.environ["DJANGO_FRAGMENT_CACHE_SECONDS"] = "0"
    os.environ["DJANGO_MEDIA_ROOT"] = f"{workdir}/media"
    os.environ.setdefault("DJANGO_STATIC_ROOT", f"{workdir}/static")
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"

    import django

    django.setup()

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from articles import demo
    from articles.models import Article, Byline, ImageCaption, Quote

    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    demo.load()
    originals = list(Article.objects.live().prefetch_related("tags", "bylines", "images", "quotes"))
    for copy in range(args.extra):
        source = originals[copy % len(originals)]
        article = Article.objects.create(
            headline=f"{source.headline} ({copy})",
            slug=f"{source.slug}-{copy}",
            standfirst=source.standfirst,
            body=source.body,
            section_id=source.section_id,
            status=source.status,
            published_at=source.published_at,
        )
        article.tags.set([tag.name for tag in source.tags.all()])
        Byline.objects.bulk_create(
            Byline(article=article, author_id=b.author_id, role=b.role, position=b.position)
            for b in source.bylines.all()
        )
        ImageCaption.objects.bulk_create(
            ImageCaption(
                article=article,
                image=i.image.name,
                caption=i.caption,
                credit=i.credit,
                alt_text=i.alt_text,
                width=i.width,
                height=i.height,
                is_lead=i.is_lead,
                position=i.position,
            )
            for i in source.images.all()
        )
        Quote.objects.bulk_create(
            Quote(
                article=article, source_id=q.source_id, text=q.text, position=q.position, is_pull_quote=q.is_pull_quote
            )
            for q in source.quotes.all()
        )

    sample = Article.objects.live().for_detail().filter(images__is_lead=True, quotes__is_pull_quote=True).first()
    author = sample.bylines.first().author
    tag = sample.tags.first()
    pages = {
        "home": "/",
        "home, page 2": "/?page=2",
        "article": sample.get_absolute_url(),
        "section": sample.section.get_absolute_url(),
        "tag": f"/tag/{tag.slug}/",
        "author": author.get_absolute_url(),
    }
    admin_pages = {
        f"admin: {name}": f"/admin/articles/{name}/"
        for name in ["article", "source", "quote", "imagecaption", "author", "section"]
    }

    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(username=demo.EDITOR_USERNAME)
    staff = Client()
    staff.force_login(editor)
    reader = Client()

    live = Article.objects.live().count()
    fragments = "fragment cache off" if args.no_fragments else "fragment cache on"
    print(f"Newsroom page benchmark — {connection.vendor}, {live} live stories, {fragments}, ", end="")
    print(f"{args.repeat} requests a page")
    print(f"{'page':<22} {'cold queries':>12} {'warm queries':>12} {'median ms':>10} {'pages/s':>8}")
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False, STORAGES=plain_static):
        for client, table in ((reader, pages), (staff, admin_pages)):
            for name, url in table.items():
                cache.clear()  # cold: as after a change (the sections menu included)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                cold = len(queries)  # read now: the next request clears Django's query log
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                warm = len(queries)
                timings = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    client.get(url)
                    timings.append(time.perf_counter() - started)
                median = statistics.median(timings)
                print(f"{name:<22} {cold:>12} {warm:>12} {median * 1000:>10.1f} {1 / median:>8.0f}")
    print(f"(database: {settings.DATABASES['default']['NAME']})")


if __name__ == "__main__":
    main()
