"""The database connections: PostgreSQL's arrays of text escaped as psycopg escapes them, faster."""

import pytest
from django.db import connection
from psycopg.types.array import ListDumper as PsycopgListDumper
from psycopg.types.json import Jsonb

from articles.connections import ListDumper
from articles.models import ArticleRevision
from tests.builders import make_article

AWKWARD = [
    'She said "no" \\ twice',
    "{braces}, commas, and a trailing backslash \\",
    "NULL",
    "",
    " leading and trailing spaces ",
    "ünïcödé “curly” quotes",
    None,
]


@pytest.mark.parametrize(
    "values",
    [
        AWKWARD,
        [Jsonb({"body": '<p>"Quoted," she said \\o/</p>', "tags": ["a", "b"]}), Jsonb(["\\", '"'])],
        [[value for value in AWKWARD if value is not None], ["x"]],
    ],
    ids=["text", "json", "nested"],
)
def test_arrays_are_written_as_psycopg_writes_them(values):
    assert ListDumper(list).dump(values) == PsycopgListDumper(list).dump(values)


@pytest.mark.django_db
def test_postgresql_connections_write_awkward_text_through_bulk_inserts_unchanged():
    if connection.vendor != "postgresql":
        pytest.skip("the dumper is PostgreSQL's; SQLite inserts rows as they are")
    connection.ensure_connection()
    assert connection.connection.adapters.get_dumper(list, "t") is ListDumper
    story = make_article()
    texts = [value for value in AWKWARD if value is not None]
    ArticleRevision.objects.bulk_create(
        ArticleRevision(article=story, number=number, comment=text[:255], data={"text": text, "n": [text]})
        for number, text in enumerate(texts, start=1)
    )
    stored = ArticleRevision.objects.filter(article=story).order_by("number")
    assert [(revision.comment, revision.data) for revision in stored] == [
        (text, {"text": text, "n": [text]}) for text in texts
    ]
