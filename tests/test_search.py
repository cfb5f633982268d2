from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import search
from articles.models import Article
from tests.builders import make_article, make_quote, make_rich_article, make_source, make_user

pytestmark = pytest.mark.django_db

S = Article.Status


def indexed(*articles):
    search.index_articles([article.pk for article in articles])
    return articles


def results(client, query, **params):
    response = client.get(reverse("articles:search"), {"q": query, **params})
    assert response.status_code == 200
    page = response.context["page_obj"]
    return response, [hit.article.headline for hit in page] if page else []


def test_finds_stories_by_headline_standfirst_body_tags_and_source_names(client):
    by_body = make_article(headline="Council meets", body="<p>The harbourmaster resigned on Friday.</p>")
    by_tag = make_article(headline="Ferry news")
    by_tag.tags.add("lighthouse")
    by_source = make_article(headline="Quoted story")
    make_quote(by_source, source=make_source(name="Ingrid Varga"))
    indexed(by_body, by_tag, by_source)

    assert results(client, "harbourmaster")[1] == ["Council meets"]
    assert results(client, "lighthouse")[1] == ["Ferry news"]
    assert results(client, "Varga")[1] == ["Quoted story"]


def test_headline_matches_rank_above_body_matches(client):
    now = timezone.now()
    body = make_article(headline="Budget night", body="<p>The tram was mentioned once.</p>", published_at=now)
    headline = make_article(
        headline="Tram line delayed again", body="<p>Works overran.</p>", published_at=now - timedelta(days=3)
    )
    indexed(body, headline)

    assert results(client, "tram")[1] == ["Tram line delayed again", "Budget night"]


def test_matched_words_are_highlighted_and_the_snippet_is_escaped(client):
    article = make_article(body="<p>Residents said the <b>harbour</b> wall &lt;script&gt; would fail.</p>")
    indexed(article)

    response, _ = results(client, "harbour")

    snippet = str(response.context["page_obj"][0].snippet)
    assert "<mark>harbour</mark>" in snippet
    assert "<script>" not in response.content.decode()
    assert "<b>" not in snippet


@pytest.mark.parametrize(
    "fields",
    [
        {"status": S.DRAFT, "published_at": None},
        {"status": S.IN_REVIEW, "published_at": None},
        {"status": S.APPROVED, "published_at": None},
        {"status": S.PUBLISHED, "published_at": timezone.now() + timedelta(days=1)},
        {"status": S.PUBLISHED, "embargo_until": timezone.now() + timedelta(days=1)},
        {"status": S.WITHDRAWN},
    ],
    ids=["draft", "in review", "approved", "scheduled", "embargoed", "withdrawn"],
)
def test_a_hidden_story_answers_exactly_like_a_random_word(client, fields):
    indexed(make_article(headline="Zanzibarine secret plan", **fields))
    indexed(make_article(headline="Ordinary public story"))

    hidden, hidden_titles = results(client, "Zanzibarine")
    random, random_titles = results(client, "Qwxzvplk")

    assert hidden_titles == random_titles == []
    assert hidden.content.decode().replace("Zanzibarine", "X") == random.content.decode().replace("Qwxzvplk", "X")


def test_withdrawing_a_story_takes_it_out_of_search_at_once(client):
    (article,) = indexed(make_article(headline="Lighthouse sale agreed"))
    assert results(client, "lighthouse")[1] == ["Lighthouse sale agreed"]

    article.withdraw(make_user("Editor"), comment="Legal")

    assert results(client, "lighthouse")[1] == []


def test_editing_a_story_updates_the_index(client, django_capture_on_commit_callbacks):
    (article,) = indexed(make_article(headline="Old words"))

    with django_capture_on_commit_callbacks(execute=True):
        Article.objects.filter(pk=article.pk).update(headline="Fresh kelp harvest")
        article.refresh_from_db()
        article.record_revision()

    assert results(client, "kelp")[1] == ["Fresh kelp harvest"]
    assert results(client, "Old")[1] == []


def test_confidential_source_is_found_by_label_never_by_name(client):
    article = make_article(headline="Leaked audit")
    make_quote(article, source=make_source(name="Hugo Fairbairn", confidential=True, public_label="a senior official"))
    indexed(article)

    assert results(client, "Fairbairn")[1] == []
    assert results(client, "senior official")[1] == ["Leaked audit"]


@pytest.mark.parametrize("query", ['"', "OR", "NEAR(", "a* AND -b", "'; DROP TABLE x; --", "^head:", "(((", "\x00"])
def test_search_syntax_in_the_query_is_treated_as_plain_words(client, query):
    indexed(make_article(headline="Drop the anchor"))

    response = client.get(reverse("articles:search"), {"q": query})

    assert response.status_code == 200


def test_results_are_paginated(client):
    indexed(*[make_article(headline=f"Seaweed story {n}") for n in range(13)])

    first, first_titles = results(client, "seaweed")
    second, second_titles = results(client, "seaweed", page=2)

    assert len(first_titles) == 10 and len(second_titles) == 3
    assert not set(first_titles) & set(second_titles)
    assert first.context["page_obj"].paginator.count == 13
    assert client.get(reverse("articles:search"), {"q": "seaweed", "page": 5}).status_code == 404


def test_search_costs_at_most_five_queries_with_many_matching_stories(client, django_assert_max_num_queries):
    indexed(*[make_rich_article(headline=f"Quayside story {n}") for n in range(30)])
    client.get("/")  # the sections menu is cached after any first page view

    with django_assert_max_num_queries(5):
        response = client.get(reverse("articles:search"), {"q": "quayside"})
    assert len(response.context["page_obj"]) == 10


def test_empty_query_shows_the_form_only(client):
    response = client.get(reverse("articles:search"))

    assert response.status_code == 200
    assert response.context["page_obj"] is None
    assert 'name="q"' in response.content.decode()


def test_rebuild_command_indexes_every_story(client):
    from django.core.management import call_command

    make_article(headline="Unindexed lobster tale")
    assert results(client, "lobster")[1] == []

    call_command("rebuild_search_index", verbosity=0)

    assert results(client, "lobster")[1] == ["Unindexed lobster tale"]


def test_postgresql_indexes_a_batch_with_the_same_weighted_vectors_as_one_story_at_a_time():
    from django.contrib.postgres.search import SearchVector
    from django.db import connection
    from django.db.models import TextField, Value
    from django.db.models.functions import Cast

    from articles.models import SearchEntry

    if connection.vendor != "postgresql":
        pytest.skip("the weighted vector is PostgreSQL's")
    stories = [
        make_rich_article(headline=f"Ferry timetable {n} changes", standfirst="Harbour's night's") for n in range(3)
    ]
    stories.append(make_article(headline="Quiet", standfirst="", body=""))
    search.index_articles([story.pk for story in stories])

    for pk, (headline, standfirst, body, extras) in search._documents([story.pk for story in stories]).items():
        # The vector as it was computed, one UPDATE per story, before indexing went in batches.
        expected = (
            SearchVector(Value(headline), weight="A", config="english")
            + SearchVector(Value(standfirst), weight="B", config="english")
            + SearchVector(Value(body), weight="C", config="english")
            + SearchVector(Value(extras), weight="D", config="english")
        )
        stored, wanted, document = (
            SearchEntry.objects.filter(article_id=pk)
            .annotate(wanted=Cast(expected, TextField()))
            .values_list(Cast("vector", TextField()), "wanted", "document")
            .get()
        )
        assert stored == wanted
        assert document == "\n".join((standfirst, body, extras))
    assert (
        "'ferri':1A"
        in SearchEntry.objects.filter(article_id=stories[0].pk)
        .values_list(Cast("vector", TextField()), flat=True)
        .get()
    )
