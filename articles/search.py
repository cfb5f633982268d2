"""
Full-text search over live stories, behind one interface for both databases.

PostgreSQL ranks a weighted ``tsvector`` (headline A, standfirst B, body C,
tags and public source names D) kept in ``SearchEntry``; SQLite ranks an FTS5
table with BM25 weights in the same order. Either way ``search()`` answers
with the same shape — a page of ``Hit``s, each a story and a highlighted
snippet — and only ever finds stories that ``Article.objects.live()`` admits,
so searching for something hidden answers exactly like searching for nothing.

The index follows the desk: ``index_articles`` runs when a story is saved (its
revision is recorded) and when a source's public name changes; publishing and
withdrawing need no re-indexing because ``live()`` decides visibility at query
time. ``manage.py rebuild_search_index`` rebuilds everything.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import F, Prefetch, TextField
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from taggit.models import TaggedItem

from .models import Article, ImageCaption, Quote, SearchEntry, Source

FTS5_TABLE = "articles_search_fts"
MAX_QUERY_LENGTH = 200
PER_PAGE = 10
# Stories per statement when indexing (on PostgreSQL, six parameters each).
INDEX_CHUNK = 500
# Private-use characters mark the matched words inside snippets; the text is
# escaped first and the marks then become <mark>, so no markup can get through.
START, STOP = "\ue000", "\ue001"
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    article: Article
    snippet: str


# Indexing


def _documents(article_ids):
    """
    {id: (headline, standfirst, body text, extras)} for the stories, in four queries that
    read rows rather than build models (a batch of imported stories is indexed at once).
    """
    tags, speakers = defaultdict(list), defaultdict(set)
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), object_id__in=article_ids
    ).order_by("pk")
    for pk, name in tagged.values_list("object_id", "tag__name"):
        tags[pk].append(name)
    quoted = list(Quote.objects.filter(article__in=article_ids).values_list("article_id", "source_id").distinct())
    # The source's public name, as the model decides it: a confidential source is known by its label only.
    sources = Source.objects.in_bulk({source for _, source in quoted})
    for pk, source in quoted:
        speakers[pk].add(sources[source].public_name)
    stories = Article.objects.filter(pk__in=article_ids).values_list("pk", "headline", "standfirst", "body")
    return {
        pk: _document(headline, standfirst, body, tags[pk], speakers[pk]) for pk, headline, standfirst, body in stories
    }


def documents_of(stories):
    """
    ``_documents`` for stories at hand, with their tags and their quotes' sources as
    ``with_parts`` gives them (an import that has just written them): no query.
    """
    return {
        story.pk: _document(
            story.headline,
            story.standfirst,
            story.body,
            [tag.name for tag in story.current_tags],
            {quote.source.public_name for quote in story.current_quotes},
        )
        for story in stories
    }


def _document(headline, standfirst, body, tags, speakers):
    """What is indexed of a story: its headline, standfirst, body text, and its tags and speakers."""
    extras = " ".join([*tags, *sorted(speakers)])
    return (headline, standfirst, strip_tags(re.sub(r"</(p|h[1-6]|li|blockquote)>", "\n", body)), extras)


def index_articles(article_ids, documents=None):
    """(Re)index the given stories now; ``documents`` (``documents_of``) spares reading them back."""
    article_ids = list(article_ids)
    if documents is None:
        documents = _documents(article_ids)
    if connection.vendor == "postgresql":
        _index_postgresql(documents)
    elif connection.vendor == "sqlite":
        _index_sqlite(article_ids, documents)


def index_on_commit(article_ids, documents=None):
    """Reindex the stories once the current transaction has committed (``index_articles``)."""
    article_ids = list(article_ids)
    transaction.on_commit(lambda: index_articles(article_ids, documents))


def _weighted_vector(parts):
    """
    The entries' vector over ``parts``, the four texts in the order headline, standfirst,
    body, extras (values or expressions): weights A to D, the English configuration.
    """
    vector = None
    for part, weight in zip(parts, "ABCD", strict=True):
        part = SearchVector(part, weight=weight, config="english")
        vector = part if vector is None else vector + part
    return vector


def _index_postgresql(documents):
    """
    Replace the stories' entries: one DELETE, then one INSERT per ``INDEX_CHUNK`` stories
    that computes every vector in SQL from a VALUES list of the stories' texts, so that a
    batch costs two statements however many stories it has.
    """
    SearchEntry.objects.filter(article_id__in=documents).delete()
    columns = ("id", "document", "headline", "standfirst", "body", "extras")
    texts = [RawSQL(f"story.{column}", (), output_field=TextField()) for column in columns[2:]]
    query = Query(SearchEntry)
    vector, vector_params = query.get_compiler(connection=connection).compile(
        _weighted_vector(texts).resolve_expression(query)
    )
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    items = list(documents.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), INDEX_CHUNK):
            chunk = items[start : start + INDEX_CHUNK]
            rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (article_id, document, vector) SELECT story.id, story.document, {vector} "
                f"FROM (VALUES {rows}) AS story ({', '.join(columns)})",
                [
                    *vector_params,
                    # The snippet comes from the document: the story's text below its headline.
                    *(value for pk, parts in chunk for value in (pk, "\n".join(parts[1:]), *parts)),
                ],
            )


def _index_sqlite(article_ids, documents):
    with connection.cursor() as cursor:
        for start in range(0, len(article_ids), INDEX_CHUNK):
            chunk = article_ids[start : start + INDEX_CHUNK]
            cursor.execute(f"DELETE FROM {FTS5_TABLE} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk)
        cursor.executemany(
            f"INSERT INTO {FTS5_TABLE} (rowid, headline, standfirst, body, extras) VALUES (%s, %s, %s, %s, %s)",
            [(pk, *parts) for pk, parts in documents.items()],
        )


def rebuild_index(batch_size=500):
    """Index every story from scratch; returns how many were indexed."""
    if connection.vendor == "postgresql":
        SearchEntry.objects.all().delete()
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS5_TABLE}")
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        index_articles(ids[start : start + batch_size])
    return len(ids)


# Searching


def clean_query(text):
    """The words of a reader's query, without the search engines' operators."""
    return WORD.findall((text or "")[:MAX_QUERY_LENGTH])


def search(text, page_number=1, per_page=PER_PAGE):
    """A page (Django ``Page``) of ``Hit``s for the reader's ``text``, best first; raises ``Http404`` past the end."""
    words = clean_query(text)
    if connection.vendor == "postgresql":
        results = _PostgresResults(words)
    else:
        results = _SqliteResults(words)
    page = Paginator(results, per_page).page(page_number)
    page.object_list = _hits(list(page.object_list))
    return page


def _with_listing_details(ids):
    stories = (
        Article.objects.filter(pk__in=ids)
        .select_related("section")
        .with_bylines()
        .prefetch_related(
            Prefetch("images", queryset=ImageCaption.objects.public().filter(is_lead=True), to_attr="public_images")
        )
    )
    return {story.pk: story for story in stories}


def _hits(rows):
    """[(id, raw snippet)] → [Hit], keeping the rank order, in three queries."""
    stories = _with_listing_details([pk for pk, _ in rows])
    return [Hit(stories[pk], _highlight(snippet)) for pk, snippet in rows if pk in stories]


def _highlight(snippet):
    text = escape(strip_tags(snippet or ""))
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))


class _PostgresResults:
    """Sliceable, countable results for Django's paginator, from the ORM."""

    def __init__(self, words):
        self.query = SearchQuery(" ".join(words), search_type="plain", config="english") if words else None

    def _queryset(self):
        if self.query is None:
            return Article.objects.none()
        return (
            Article.objects.live()
            .filter(search_entry__vector=self.query)
            .annotate(rank=SearchRank(F("search_entry__vector"), self.query))
            .order_by("-rank", "-published_at", "-id")
        )

    def count(self):
        return self._queryset().count()

    def __getitem__(self, window):
        if self.query is None:
            return []
        headline = SearchHeadline(
            "search_entry__document",
            self.query,
            config="english",
            start_sel=START,
            stop_sel=STOP,
            max_words=30,
            min_words=15,
            max_fragments=2,
        )
        return list(self._queryset().annotate(snippet=headline).values_list("pk", "snippet")[window])


class _SqliteResults:
    """Sliceable, countable results for Django's paginator, from the FTS5 table."""

    def __init__(self, words):
        # Each word quoted: a reader's input is never read as FTS5 syntax.
        self.match = " ".join(f'"{word}"' for word in words)

    def _live_ids(self):
        sql, params = Article.objects.live().order_by().values("pk").query.sql_with_params()
        return sql, list(params)

    def count(self):
        if not self.match:
            return 0
        live_sql, live_params = self._live_ids()
        with connection.cursor() as cursor:
            cursor.execute(
                # The story table is joined so that SQLite runs MATCH once and
                # checks each hit against the live set, not the other way round.
                f"SELECT COUNT(*) FROM {FTS5_TABLE} JOIN articles_article story ON story.id = {FTS5_TABLE}.rowid "
                f"WHERE {FTS5_TABLE} MATCH %s AND story.id IN ({live_sql})",
                [self.match, *live_params],
            )
            return cursor.fetchone()[0]

    def __getitem__(self, window):
        if not self.match:
            return []
        live_sql, live_params = self._live_ids()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {FTS5_TABLE}.rowid, snippet({FTS5_TABLE}, 2, %s, %s, '…', 24) FROM {FTS5_TABLE} "
                f"JOIN articles_article story ON story.id = {FTS5_TABLE}.rowid "
                f"WHERE {FTS5_TABLE} MATCH %s AND story.id IN ({live_sql}) "
                f"ORDER BY bm25({FTS5_TABLE}, 10.0, 5.0, 1.0, 2.0), {FTS5_TABLE}.rowid DESC LIMIT %s OFFSET %s",
                [START, STOP, self.match, *live_params, window.stop - window.start, window.start],
            )
            return cursor.fetchall()
