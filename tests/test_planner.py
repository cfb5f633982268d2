"""SQLite's planner statistics: the live-story checks stay primary-key lookups however large the archive."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL keeps its statistics by itself"),
]


def plan(queryset):
    return queryset.explain()


def test_an_import_leaves_the_planner_looking_up_stories_by_primary_key(tmp_path):
    stories = [
        {
            "origin": "wire",
            "external_id": str(number),
            "headline": f"Story {number}",
            "body_html": "<p>Text.</p>",
            "section": "News",
            "authors": [{"name": "Maria Okafor"}],
            "status": "published",
            "published_at": "2026-01-01T09:00:00+00:00",
        }
        for number in range(300)
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps(story) for story in stories))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")  # as on a new site: whatever earlier tests left
    assert "PRIMARY KEY" not in plan(Article.objects.live().filter(pk__in=[1, 2, 3]).order_by())  # no statistics yet

    call_command("import_articles", str(feed), "--no-quotes", stdout=io.StringIO())

    some = list(Article.objects.values_list("pk", flat=True)[:30])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles_article'")
        assert cursor.fetchone()[0] > 0
    assert "PRIMARY KEY" in plan(Article.objects.live().filter(pk__in=some).order_by())
