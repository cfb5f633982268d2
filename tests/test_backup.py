"""The README's backup procedure: dump a newsroom, restore it into an empty database, same content."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DIGEST = """
import json
import django
django.setup()
from articles.models import Article, ArticleEvent, ArticleRevision, Author, ImageCaption, Quote, Section, Source
from django.contrib.auth.models import Group, User
print(json.dumps({
    "stories": sorted(Article.objects.values_list("slug", "status", "headline", "version")),
    "live": Article.objects.live().count(),
    "bylines": sorted(Article.objects.values_list("slug", "bylines__author__name", "bylines__role")),
    "tags": sorted(Article.objects.values_list("slug", "tags__name")),
    "photos": sorted(ImageCaption.objects.values_list("image", "caption", "credit", "alt_text", "is_lead")),
    "quotes": sorted(Quote.objects.values_list("article__slug", "source__name", "text", "is_pull_quote")),
    "sources": sorted(Source.objects.values_list("name", "confidential", "public_label")),
    "consulted": sorted(Article.objects.values_list("slug", "sources__name")),
    "sections": sorted(Section.objects.values_list("slug", "name")),
    "authors": sorted(Author.objects.values_list("slug", "user__username")),
    "events": ArticleEvent.objects.count(),
    "revisions": ArticleRevision.objects.count(),
    "groups": sorted((g.name, g.permissions.count()) for g in Group.objects.all()),
    "users": sorted(User.objects.values_list("username", "is_staff")),
}, default=str))
"""

EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes", "admin.logentry"]


def manage(database, *args, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS"))}
    env |= {
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    }
    command = [sys.executable, *args] if args[0] == "-c" else [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


def test_dump_and_restore_into_an_empty_database_gives_the_same_newsroom(tmp_path):
    original, restored = tmp_path / "original.sqlite3", tmp_path / "restored.sqlite3"
    manage(original, "migrate", "-v0", tmp_path=tmp_path)
    manage(original, "load_demo", tmp_path=tmp_path)
    dump = manage(
        original,
        "dumpdata",
        "--natural-foreign",
        *[arg for app in EXCLUDED for arg in ("-e", app)],
        tmp_path=tmp_path,
    )
    (tmp_path / "newsroom.json").write_text(dump)

    manage(restored, "migrate", "-v0", tmp_path=tmp_path)
    manage(restored, "loaddata", str(tmp_path / "newsroom.json"), tmp_path=tmp_path)

    before = json.loads(manage(original, "-c", DIGEST, tmp_path=tmp_path))
    after = json.loads(manage(restored, "-c", DIGEST, tmp_path=tmp_path))
    assert before["live"] >= 30
    assert after == before
