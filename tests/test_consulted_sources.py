"""
A story's sources consulted (``Article.sources``): everyone and everything it relied on, quoted or not.

Imports link every source a record names and replace the list when the story changes;
exports write the list back (a confidential source by its label unless asked); whoever a
story quotes is on it, however the quote was written; the desk edits it without seeing who
a confidential source is; and readers never see it.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.importers.loader import load
from articles.importers.records import SourceRecord
from articles.models import Article, Source
from articles.registry import attach_quotes, merge_sources
from articles.search import index_articles
from tests.builders import add_byline, make_article, make_quote, make_source, make_user
from tests.importers.test_loader import story
from tests.test_desk import change_url, story_form

pytestmark = pytest.mark.django_db

Consulted = Article.sources.through

QUOTED = {"name": "Ana Ruiz", "role": "mayor", "organisation": "City council"}
AUDIT = {"name": "Harbour audit 2023", "kind": "document", "organisation": "Port Authority"}
ENGINEER = {"name": "Priya Nair", "role": "engineer", "organisation": "Port Authority"}


def jsonl_story(number=1, **overrides):
    """A jsonl story quoting one source and naming two more it does not quote."""
    fields = {
        "origin": "wire",
        "external_id": f"wire-{number}",
        "headline": f"Harbour audit kept quiet, part {number}",
        "body_html": "<p>The audit was finished in March.</p>",
        "section": "City",
        "authors": [{"name": "Maria Okafor"}],
        "status": "draft",
        "quotes": [
            {"text": "We knew in March", "speaker": "Ana Ruiz", "role": "mayor", "organisation": "City council"}
        ],
        "sources": [QUOTED, AUDIT, ENGINEER],
    }
    return json.dumps(fields | overrides, ensure_ascii=False)


def import_lines(tmp_path, *lines, args=()):
    """Run ``import_articles`` on a jsonl file holding ``lines``; its summary."""
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stdout = io.StringIO()
    call_command("import_articles", str(path), *args, stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def export(*args):
    stdout = io.StringIO()
    call_command("export_articles", *args, stdout=stdout, stderr=io.StringIO())
    return [json.loads(text) for text in stdout.getvalue().splitlines()]


def consulted(article):
    return sorted(article.sources.values_list("name", flat=True))


def links():
    return sorted(Consulted.objects.values_list("pk", "article_id", "source_id"))


# Imports


def test_an_imported_story_consulted_every_source_it_names_quoted_or_not(tmp_path):
    engineer = make_source(name="Priya Nair", organisation="Port Authority", aliases="Dr Nair")

    summary = import_lines(tmp_path, jsonl_story())

    assert "1 created" in summary
    article = Article.objects.get()
    assert consulted(article) == ["Ana Ruiz", "Harbour audit 2023", "Priya Nair"]
    assert [quote.source.name for quote in article.quotes.all()] == ["Ana Ruiz"]
    assert article.sources.get(name="Priya Nair") == engineer  # matched through the registry, not duplicated
    assert article.sources.get(name="Harbour audit 2023").kind == Source.Kind.DOCUMENT


def test_a_source_named_twice_or_by_its_alias_is_linked_once(tmp_path):
    make_source(name="Priya Nair", organisation="Port Authority", aliases="Dr Nair")
    twice = [QUOTED, ENGINEER, {"name": "Dr Nair", "organisation": "Port Authority"}, QUOTED]

    import_lines(tmp_path, jsonl_story(sources=twice))

    assert consulted(Article.objects.get()) == ["Ana Ruiz", "Priya Nair"]
    assert Consulted.objects.count() == 2


def test_importing_the_same_story_again_changes_nothing(tmp_path):
    import_lines(tmp_path, jsonl_story())
    before = links()

    with CaptureQueriesContext(connection) as queries:
        summary = import_lines(tmp_path, jsonl_story())

    assert "0 created, 0 updated, 1 unchanged" in summary
    assert links() == before
    assert all(query["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE")) for query in queries)


def test_a_changed_list_replaces_the_sources_consulted(tmp_path):
    import_lines(tmp_path, jsonl_story())
    article = Article.objects.get()
    article.sources.add(make_source(name="Added At The Desk"))
    reporter = {"name": "Tom Reyes", "role": "harbour pilot"}

    summary = import_lines(tmp_path, jsonl_story(sources=[QUOTED, AUDIT, reporter]))

    assert "1 updated" in summary
    assert consulted(article) == ["Ana Ruiz", "Harbour audit 2023", "Tom Reyes"]  # as the input says, no more
    assert Source.objects.filter(name__in=["Priya Nair", "Added At The Desk"]).count() == 2  # unlinked, not deleted


def test_an_emptied_list_leaves_only_the_sources_the_story_quotes(tmp_path):
    import_lines(tmp_path, jsonl_story())

    import_lines(tmp_path, jsonl_story(sources=[]))

    assert consulted(Article.objects.get()) == ["Ana Ruiz"]


def test_a_dry_run_links_nothing(tmp_path):
    import_lines(tmp_path, jsonl_story(1))
    before = links()

    summary = import_lines(tmp_path, jsonl_story(1, sources=[QUOTED]), jsonl_story(2), args=["--dry-run"])

    assert "1 created, 1 updated" in summary
    assert links() == before
    assert Article.objects.count() == 1


def test_a_confidential_source_named_by_the_input_is_linked_under_its_label(tmp_path):
    secret = {"name": "Hugo Fairbairn", "confidential": True, "public_label": "a port insider"}

    import_lines(tmp_path, jsonl_story(sources=[QUOTED, secret]))

    source = Article.objects.get().sources.get(confidential=True)
    assert (source.name, source.public_label, source.public_name) == (
        "Hugo Fairbairn",
        "a port insider",
        "a port insider",
    )


@pytest.mark.parametrize("refused", [False, True], ids=["together", "one by one"])
def test_queries_of_a_batch_import_do_not_grow_with_its_stories(refused):
    def sources(number):
        return [SourceRecord("Ana Ruiz", "mayor", "City council")] + [
            SourceRecord(f"Consulted {number}-{each}", "adviser", "Port Authority") for each in range(3)
        ]

    def queries_for(numbers):
        # A story the publish guard refuses sends its batch in again one story at a time.
        extra = [story(1000 + numbers[0], section="", bylines=[], images=[])] if refused else []
        records = [story(number, images=[], sources=sources(number)) for number in numbers]
        with CaptureQueriesContext(connection) as queries:
            report = load(records + extra)
        assert (report.created, report.failed) == (len(numbers), len(extra))
        return len(queries)

    ten = queries_for(range(1, 11))
    fifty = queries_for(range(11, 61))

    assert Consulted.objects.count() == 60 * 4
    per_story = (fifty - ten) / 40
    assert per_story <= ten / 10, (ten, fifty)
    if not refused:
        assert fifty <= ten + 5, (ten, fifty)  # written together: a batch costs the same whatever its size


# Exports


def desk_story(slug, *, secret=None):
    """A story written at the desk: one quote, and three sources consulted but not quoted."""
    article = make_article(slug=slug)
    add_byline(article)
    make_quote(article, source=make_source(name=f"Quoted {slug}"), text="We will reopen on Monday")
    article.sources.add(
        make_source(name=f"Engineer {slug}", role="engineer", organisation="Port Authority"),
        make_source(name=f"Audit {slug}", kind=Source.Kind.DOCUMENT, role="", organisation="Port Authority"),
        secret or make_source(name=f"Insider {slug}", confidential=True, public_label="a port insider"),
    )
    return article


def sources_consulted():
    """Each story's sources consulted as what they are, without database ids."""
    return {
        article.slug: sorted(
            (source.name, source.role, source.organisation, source.kind, source.confidential, source.public_label)
            for source in article.sources.all()
        )
        for article in Article.objects.prefetch_related("sources")
    }


def test_export_then_import_into_an_empty_database_gives_the_same_sources_consulted(tmp_path):
    desk_story("first-story")
    desk_story("second-story", secret=Source.objects.get(name="Insider first-story"))
    load([story(7, images=[], sources=[SourceRecord("Ana Ruiz"), SourceRecord("Tide tables", kind="document")])])
    before = sources_consulted()
    assert sorted(len(sources) for sources in before.values()) == [2, 4, 4]
    exported = tmp_path / "export.jsonl"
    call_command("export_articles", "--include-confidential", "--output", str(exported), stdout=io.StringIO())

    Article.objects.all().delete()
    Source.objects.all().delete()
    summary = import_lines(tmp_path, *exported.read_text(encoding="utf-8").splitlines())

    assert "3 created" in summary
    assert sources_consulted() == before
    assert Source.objects.filter(confidential=True).count() == 1  # shared by two stories, and still one source


def test_a_confidential_source_consulted_is_exported_by_its_label_unless_asked():
    secret = make_source(
        name="Deep Throat", role="deputy director", organisation="FBI", confidential=True, public_label="an insider"
    )
    article = make_article()
    article.sources.add(secret)

    (item,) = export()
    assert item["sources"] == [
        {"name": "an insider", "role": "", "organisation": "", "kind": "person", "confidential": True}
        | {"public_label": "an insider"}
    ]
    assert not {"Deep Throat", "deputy director", "FBI"} & set(json.dumps(item).split('"'))

    (item,) = export("--include-confidential")
    assert item["sources"] == [
        {"name": "Deep Throat", "role": "deputy director", "organisation": "FBI", "kind": "person"}
        | {"confidential": True, "public_label": "an insider"}
    ]


def test_the_speakers_come_first_and_each_source_once():
    article = make_article()
    first, second = make_source(name="Zoe Quoted"), make_source(name="Adam Quoted")
    make_quote(article, source=first, position=0)
    make_quote(article, source=second, position=1)
    make_quote(article, source=first, position=2)
    article.sources.add(make_source(name="Bea Unquoted"))

    (item,) = export()

    assert [source["name"] for source in item["sources"]] == ["Zoe Quoted", "Adam Quoted", "Bea Unquoted"]


def test_the_export_reads_sources_consulted_in_one_query_per_chunk():
    def queries_for(count):
        Article.objects.all().delete()
        for number in range(count):
            desk_story(f"story-{count}-{number}")
        with CaptureQueriesContext(connection) as queries:
            assert len(export()) == count
        return len(queries)

    assert queries_for(5) == queries_for(1)


def test_ninjs_items_carry_no_sources():
    desk_story("harbour-story")

    (item,) = export("--format", "ninjs")

    assert "Engineer harbour-story" not in json.dumps(item) and "a port insider" not in json.dumps(item)


# Whoever a story quotes, it consulted.


def test_a_quote_saved_one_by_one_adds_its_source():
    article = make_article()

    quote = make_quote(article)
    make_quote(article, source=quote.source, text="Again")

    assert list(article.sources.all()) == [quote.source]


def test_quotes_attached_by_extraction_add_their_speakers():
    from articles.quotes import extract

    article = make_article(body="<p>“We will reopen on Monday,” said Maria Lindqvist, the harbourmaster.</p>")

    attach_quotes(article, extract("“We will reopen on Monday,” said Maria Lindqvist, the harbourmaster."))

    assert consulted(article) == ["Maria Lindqvist"]


def test_merging_sources_moves_the_stories_that_consulted_them():
    survivor, duplicate = make_source(name="Maria Lindqvist"), make_source(name="M. Lindqvist")
    both, one = make_article(), make_article()
    both.sources.add(survivor, duplicate)
    one.sources.add(duplicate)

    merge_sources(survivor, [duplicate])

    assert list(both.sources.all()) == [survivor]
    assert list(one.sources.all()) == [survivor]


def test_restoring_a_version_keeps_its_speakers_consulted():
    article = make_article()
    quote = make_quote(article)
    revision = article.record_revision()
    article.sources.clear()

    article.restore_revision(revision)

    assert list(article.sources.all()) == [quote.source]


def test_the_migration_backfills_the_speakers_of_stories_already_there():
    from importlib import import_module

    from django.apps import apps

    article = make_article()
    quote = make_quote(article)
    article.sources.clear()

    import_module("articles.migrations.0008_sources_consulted").link_quoted_sources(apps, None)

    assert list(article.sources.all()) == [quote.source]


# The desk


desk = pytest.mark.ignore_template_errors


def logged_in(client, role):
    client.force_login(make_user(role))
    return client


@desk
def test_the_change_form_shows_and_saves_the_sources_consulted(client):
    article = make_article(created_by=None)
    shown, added = make_source(name="Priya Nair", organisation="Port Authority"), make_source(name="Tide tables")
    article.sources.add(shown)
    logged_in(client, "Editor")

    page = client.get(change_url(article)).text
    assert 'name="sources"' in page and "Priya Nair (Port Authority)" in page
    assert "readers never see this list" in page

    quoted = make_source(name="Ana Ruiz")
    response = client.post(
        change_url(article),
        story_form(
            article,
            sources=[added.pk],
            **{
                "quotes-TOTAL_FORMS": "1",
                "quotes-0-text": "We knew in March",
                "quotes-0-source": quoted.pk,
                "quotes-0-position": "0",
                "quotes-0-context": "",
            },
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert consulted(article) == ["Ana Ruiz", "Tide tables"]  # as sent, plus the speaker the story now quotes


@desk
def test_a_speaker_cannot_be_taken_off_the_list_while_quoted(client):
    article = make_article(created_by=None)
    quote = make_quote(article)
    logged_in(client, "Editor")

    response = client.post(change_url(article), story_form(article, sources=[]))

    assert response.status_code == 302
    assert list(article.sources.all()) == [quote.source]


@desk
def test_the_desk_picks_a_confidential_source_by_its_label_only(client):
    secret = make_source(
        name="Hugo Fairbairn", organisation="Town Hall", confidential=True, public_label="a senior council official"
    )
    article = make_article(created_by=None)
    article.sources.add(secret)
    logged_in(client, "Editor")
    autocomplete = reverse("admin:autocomplete")
    query = {"app_label": "articles", "model_name": "article", "field_name": "sources"}

    page = client.get(change_url(article)).text
    by_name = client.get(autocomplete, query | {"term": "Fairbairn"}).json()["results"]
    by_label = client.get(autocomplete, query | {"term": "council official"}).json()["results"]

    assert "Fairbairn" not in page and "Town Hall" not in page
    assert "a senior council official (confidential)" in page
    assert by_name == []
    assert [row["text"] for row in by_label] == ["a senior council official (confidential)"]

    response = client.post(change_url(article), story_form(article, sources=[secret.pk]))

    assert response.status_code == 302
    assert list(article.sources.all()) == [secret]  # what the editor was shown is what is kept


@desk
def test_the_chief_editor_finds_a_confidential_source_by_name(client):
    make_source(name="Hugo Fairbairn", confidential=True, public_label="a senior council official")
    logged_in(client, "Chief editor")

    results = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "sources", "term": "Fairbairn"},
    ).json()["results"]

    assert len(results) == 1


# Readers


def test_readers_never_see_the_sources_a_story_consulted(client):
    article = make_article(headline="Harbour audit kept quiet")
    add_byline(article)
    article.sources.add(
        make_source(name="Priya Zanzibar", role="structural engineer", organisation="Quayside Consulting"),
        make_source(name="Hugo Qwertyson", confidential=True, public_label="a harbour insider"),
    )
    index_articles([article.pk])
    secrets = ["Zanzibar", "structural engineer", "Quayside", "Qwertyson", "harbour insider"]

    for url in [article.get_absolute_url(), "/", "/feed/rss/", "/feed/atom/", "/search/?q=harbour+audit"]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert not [secret for secret in secrets if secret.lower() in text.lower()], url
    assert "Harbour audit kept quiet" in client.get("/search/?q=harbour+audit").content.decode()

    def search(query):
        return client.get("/search/", {"q": query}).content.decode().replace(query, "QUERY")

    nonsense = search("Xqzvbnmplk")
    for secret in secrets:
        assert search(secret) == nonsense, secret
