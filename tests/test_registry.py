"""The source registry: matching speakers to sources, attaching quotes, re-extraction, merging duplicates."""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import cache
from articles.models import ArticleRevision, Quote, Source
from articles.registry import attach_quotes, match_sources, merge_sources, name_key, reextract, story_text
from articles.search import index_articles, search
from tests.builders import make_article, make_quote, make_source, make_user

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Speaker:
    """The shape of ``articles.quotes.Source``."""

    name: str
    role: str | None = None
    organisation: str | None = None
    kind: str = "person"


@dataclass(frozen=True)
class Said:
    """The shape of ``articles.quotes.Quote``."""

    text: str
    start: int
    speaker: str | None
    role: str | None = None
    organisation: str | None = None
    kind: str | None = "person"


@dataclass(frozen=True)
class Found:
    """The shape of ``articles.quotes.Extraction``."""

    quotes: list = field(default_factory=list)
    sources: list = field(default_factory=list)


LINDQVIST = Speaker("Maria Lindqvist", "spokeswoman", "Interior Ministry")


# Names


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Maria Lindqvist", "maria lindqvist"),
        ("  MARIA   lindqvist ", "maria lindqvist"),
        ("Ms Lindqvist", "lindqvist"),
        ("Ms. Lindqvist", "lindqvist"),
        ("Dr. José Gómez", "jose gomez"),
        ("Prof Sir Ada Byrne", "ada byrne"),
        ("Seán O’Brien", "sean obrien"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("the Environment Agency", "environment agency"),
        ("Dr", "dr"),
        ("", ""),
        (None, ""),
    ],
)
def test_names_are_compared_without_case_accents_honorifics_or_punctuation(name, key):
    assert name_key(name) == key


# Matching


def test_the_same_person_quoted_in_ten_stories_is_one_source():
    for number in range(10):
        article = make_article()
        found = Found(
            quotes=[Said(f"We are doing all we can, part {number}.", 0, "Maria Lindqvist", "spokeswoman")],
            sources=[LINDQVIST],
        )
        attach_quotes(article, found)

    source = Source.objects.get()
    assert (source.name, source.role, source.organisation) == ("Maria Lindqvist", "spokeswoman", "Interior Ministry")
    assert source.quotes.count() == 10


def test_the_same_speaker_twice_in_one_batch_makes_one_new_source():
    first, second = match_sources([LINDQVIST, Speaker("maria  LINDQVIST", None, "Interior Ministry")])

    assert first.pk is not None
    assert first == second
    assert Source.objects.count() == 1


def test_a_speaker_matches_a_source_by_alias():
    source = make_source(name="Maria Lindqvist", aliases="Ms Lindqvist\nthe ministry spokeswoman")

    matched = match_sources([Speaker("Ms. Lindqvist"), Speaker("Lindqvist"), Speaker("The Ministry Spokeswoman")])

    assert matched == [source, source, source]
    assert Source.objects.count() == 1


def test_accents_and_case_do_not_split_a_source():
    accented = make_source(name="José Gómez", organisation="")
    plain = make_source(name="Sean OBrien", organisation="")

    matched = match_sources([Speaker("JOSE GOMEZ"), Speaker("Dr. José Gómez"), Speaker("Seán O’Brien")])

    assert matched == [accented, accented, plain]
    assert Source.objects.count() == 2


def test_an_organisation_matches_by_name_and_by_the_organisation_it_is():
    agency = make_source(name="Environment Agency", kind=Source.Kind.ORGANISATION, role="", organisation="")
    ministry = make_source(
        name="Ministry of the Interior", kind=Source.Kind.ORGANISATION, role="", organisation="Interior Ministry"
    )

    matched = match_sources(
        [
            Speaker("the Environment Agency", kind="organisation"),
            Speaker("Interior Ministry", kind="organisation"),
        ]
    )

    assert matched == [agency, ministry]


def test_a_persons_organisation_tells_namesakes_apart():
    harbour = make_source(name="John Smith", organisation="Harbour Board")
    unknown = make_source(name="Anna Berg", organisation="")

    matched = match_sources(
        [
            Speaker("John Smith", organisation="Harbour Board"),
            Speaker("John Smith", organisation="the harbour board"),
            Speaker("John Smith", organisation="Rovers FC"),
            Speaker("Anna Berg", organisation="City Council"),
        ]
    )

    assert matched[:2] == [harbour, harbour]
    assert matched[2] not in (harbour, None)
    assert matched[2].organisation == "Rovers FC"
    assert matched[3] == unknown


def test_a_named_speaker_is_never_matched_to_a_confidential_source():
    secret = make_source(
        name="Hugo Fairbairn",
        aliases="Mr Fairbairn",
        organisation="Town Hall",
        confidential=True,
        public_label="a senior official",
    )

    matched = match_sources(
        [
            Speaker("a senior official", kind="group"),
            Speaker("Senior Official"),
            Speaker("Hugo Fairbairn", organisation="Town Hall"),
            Speaker("Mr Fairbairn"),
        ]
    )

    assert secret not in matched
    assert all(source.confidential is False for source in matched)
    assert not secret.quotes.exists()


def test_new_sources_take_the_speakers_kind_role_and_organisation_without_honorifics():
    (person, agency, residents, odd) = match_sources(
        [
            Speaker("Dr. Ada Byrne", "economist", "University of Lund"),
            Speaker("the Environment Agency", kind="organisation"),
            Speaker("local residents", kind="group"),
            Speaker("Someone", kind="alien"),
        ]
    )

    assert (person.name, person.role, person.organisation, person.kind) == (
        "Ada Byrne",
        "economist",
        "University of Lund",
        "person",
    )
    assert (agency.name, agency.kind) == ("Environment Agency", "organisation")
    assert (residents.name, residents.kind) == ("local residents", "group")
    assert odd.kind == "person"


def test_speakers_without_a_name_get_no_source():
    assert match_sources([Speaker(""), LINDQVIST])[0] is None
    assert Source.objects.count() == 1


def count_queries(function):
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def test_matching_a_batch_costs_the_same_queries_whatever_its_size():
    for number in range(40):
        make_source(name=f"Known Person {number}", aliases=f"Mr Known{number}")
    small = [Speaker("Known Person 1"), Speaker("New Person 1")]
    large = [Speaker(f"Known Person {n}") for n in range(40)] + [Speaker(f"Newcomer {n}") for n in range(40)]
    large += [Speaker(f"Mr Known{n}") for n in range(20)]

    assert count_queries(lambda: match_sources(small)) == 2
    assert count_queries(lambda: match_sources(large)) == 2
    assert Source.objects.count() == 40 + 1 + 40


def test_the_candidate_query_leaves_unrelated_sources_in_the_database(django_assert_num_queries):
    for number in range(30):
        make_source(name=f"Unrelated Person{number}", organisation="")
    target = make_source(name="Maria Lindqvist", organisation="")
    from articles.registry import _candidates

    with django_assert_num_queries(1):
        candidates = _candidates(["maria lindqvist", "jose gomez"])

    assert candidates == [target]


# Attaching quotes to a story


def test_attached_quotes_follow_story_order_and_skip_quotes_nobody_said():
    article = make_article()
    found = Found(
        quotes=[
            Said("Second thing,", 50, "Maria Lindqvist"),
            Said("Nobody said this.", 30, None),
            Said("First thing.", 10, "Maria Lindqvist"),
            Said("Third thing.", 90, "Ada Byrne", "economist"),
        ],
        sources=[LINDQVIST, Speaker("Ada Byrne", "economist")],
    )

    attach_quotes(article, found)

    quotes = list(article.quotes.select_related("source"))
    assert [(q.position, q.text, q.source.name) for q in quotes] == [
        (0, "First thing.", "Maria Lindqvist"),
        (1, "Second thing", "Maria Lindqvist"),
        (2, "Third thing.", "Ada Byrne"),
    ]


def test_replacing_quotes_keeps_the_editors_pull_quote_flags_and_confidential_attributions():
    article = make_article()
    secret = make_source(confidential=True, public_label="a senior official")
    make_quote(article, text="We will reopen on Monday.", is_pull_quote=True, context="at the quay")
    make_quote(article, text="It was a cover-up.", source=secret, is_pull_quote=False)
    make_quote(article, text="Dropped since.", is_pull_quote=True)
    found = Found(
        quotes=[
            Said("We will reopen on Monday.", 5, "Maria Lindqvist"),
            Said("It was a cover-up.", 40, "senior official", kind="group"),
            Said("Something new.", 80, "Maria Lindqvist"),
        ],
        sources=[LINDQVIST, Speaker("senior official", kind="group")],
    )

    attach_quotes(article, found)

    quotes = {q.text: q for q in article.quotes.select_related("source")}
    assert set(quotes) == {"We will reopen on Monday.", "It was a cover-up.", "Something new."}
    assert quotes["We will reopen on Monday."].is_pull_quote is True
    assert quotes["We will reopen on Monday."].context == "at the quay"
    assert quotes["We will reopen on Monday."].source.name == "Maria Lindqvist"
    assert quotes["It was a cover-up."].source == secret
    assert quotes["Something new."].is_pull_quote is False


def test_adding_quotes_without_replacing_appends_only_new_ones():
    article = make_article()
    make_quote(article, text="Already here.", position=0)
    found = Found(
        quotes=[Said("Already here.", 0, "Maria Lindqvist"), Said("Brand new.", 20, "Maria Lindqvist")],
        sources=[LINDQVIST],
    )

    created = attach_quotes(article, found, replace=False)

    assert [quote.text for quote in created] == ["Brand new."]
    assert list(article.quotes.values_list("text", "position")) == [("Already here.", 0), ("Brand new.", 1)]


def test_story_text_is_paragraphs_separated_by_blank_lines():
    body = "<p>“Hello,” she said.</p><h2>Sub&amp;head</h2><ul><li>One</li><li>Two</li></ul><p>Last<br>line</p>"

    assert story_text(body) == "“Hello,” she said.\n\nSub&head\n\nOne\n\nTwo\n\nLast\n\nline"


def test_reextracting_a_story_replaces_its_quotes_and_records_a_revision(django_capture_on_commit_callbacks):
    pytest.importorskip("articles.quotes")
    editor = make_user("Editor")
    article = make_article(
        body=(
            "<p>The ministry will close three stations, it said on Monday.</p>"
            "<p>“We have no choice,” said Interior Ministry spokeswoman Maria Lindqvist.</p>"
            "<p>“This is a disaster for the town,” said Ada Byrne, an economist at the University of Lund.</p>"
        )
    )
    existing = make_source(name="Maria Lindqvist", organisation="Interior Ministry")
    make_quote(article, text="We have no choice", source=existing, is_pull_quote=True)
    make_quote(article, text="A quote the story no longer has", is_pull_quote=False)
    cache.generation()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reextract(article, by=editor)

    quotes = list(article.quotes.select_related("source"))
    assert [(q.text, q.source.name) for q in quotes] == [
        ("We have no choice", "Maria Lindqvist"),
        ("This is a disaster for the town", "Ada Byrne"),
    ]
    assert quotes[0].source == existing
    assert quotes[0].is_pull_quote is True
    assert quotes[1].source.role == "economist"
    revision = ArticleRevision.objects.get(article=article)
    assert revision.created_by == editor
    assert "2 found" in revision.comment
    assert len(revision.data["quotes"]) == 2
    assert callbacks  # the page cache is emptied once the change commits


# Merging duplicates


def test_merging_moves_quotes_and_grows_aliases():
    survivor = make_source(name="Maria Lindqvist", aliases="Ms Lindqvist", email="")
    twin = make_source(name="María Lindqvist", aliases="Ms Lindqvist\nM. Lindqvist", email="maria@example.org")
    other = make_source(name="Lindqvist, M.", contact_notes="Call after ten.")
    articles = [make_article() for _ in range(3)]
    for article in articles:
        make_quote(article, source=twin)
    make_quote(articles[0], source=other)
    make_quote(articles[1], source=survivor)

    moved = merge_sources(survivor, [twin, other])

    assert moved == 4
    survivor.refresh_from_db()
    assert survivor.quotes.count() == 5
    assert survivor.alias_list == ["Ms Lindqvist", "M. Lindqvist", "Lindqvist, M."]
    assert survivor.email == "maria@example.org"
    assert survivor.contact_notes == "Call after ten."
    assert list(Source.objects.all()) == [survivor]


def found_by_search(words):
    return [hit.article.headline for hit in search(words).object_list]


def test_merging_reindexes_the_stories_whose_quotes_moved(django_capture_on_commit_callbacks):
    survivor = make_source(name="Maria Lindqvist")
    twin = make_source(name="Marja Lindkvist")
    story = make_article(headline="Stations to close", body="<p>Three stations will close.</p>")
    make_quote(story, source=twin, text="We have no choice")
    index_articles([story.pk])
    assert found_by_search("Marja") == ["Stations to close"]

    with django_capture_on_commit_callbacks(execute=True):
        merge_sources(survivor, [twin])

    assert found_by_search("Marja") == []
    assert found_by_search("Maria") == ["Stations to close"]


def changelist():
    return reverse("admin:articles_source_changelist")


def merge_post(client, sources, follow=False, **extra):
    data = {"action": "merge_selected", "_selected_action": [source.pk for source in sources]}
    return client.post(changelist(), data | extra, follow=follow)


@pytest.mark.ignore_template_errors
def test_chief_editor_merges_duplicates_through_an_intermediate_page(client):
    survivor = make_source(name="Maria Lindqvist")
    twin = make_source(name="M. Lindqvíst")
    for _ in range(2):
        make_quote(make_article(), source=twin)
    client.force_login(make_user("Chief editor"))

    page = merge_post(client, [survivor, twin])

    assert page.status_code == 200
    assert "M. Lindqvíst" in page.text
    assert 'name="survivor"' in page.text
    assert Source.objects.count() == 2  # nothing happens before the choice

    done = merge_post(client, [survivor, twin], merge="yes", survivor=survivor.pk)

    assert done.status_code == 302
    assert list(Source.objects.all()) == [survivor]
    survivor.refresh_from_db()
    assert survivor.quotes.count() == 2
    assert survivor.alias_list == ["M. Lindqvíst"]
    message = [str(m) for m in client.get(changelist()).context["messages"]]
    assert message == ["Merged 1 source into “Maria Lindqvist”: 2 quotes moved, 1 alias now."]


@pytest.mark.ignore_template_errors
def test_merging_needs_the_delete_permission(client):
    first, second = make_source(), make_source()
    make_quote(make_article(), source=second)
    client.force_login(make_user("Editor"))  # may change sources, not delete them

    response = merge_post(client, [first, second], merge="yes", survivor=first.pk)

    assert response.status_code in (200, 302)
    assert Source.objects.count() == 2
    assert "merge_selected" not in client.get(changelist()).text


def user_with(*codenames):
    user = make_user()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    return user


@pytest.mark.ignore_template_errors
def test_a_confidential_source_is_merged_only_by_someone_who_may_see_who_it_is(client):
    named = make_source(name="Hugo Fairbairn")
    secret = make_source(name="Hugo Fairbairn", confidential=True, public_label="a senior official")
    make_quote(make_article(), source=secret)
    client.force_login(user_with("view_source", "change_source", "delete_source"))

    response = merge_post(client, [named, secret], merge="yes", survivor=named.pk, follow=True)

    assert Source.objects.count() == 2
    assert secret.quotes.count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "Merging refused: a confidential source can be merged only by someone allowed to see who it is."
    ]

    client.force_login(user_with("view_source", "change_source", "delete_source", "view_confidential_source"))
    page = merge_post(client, [named, secret])
    assert "Some of these sources are confidential and some are not" in page.text
    merge_post(client, [named, secret], merge="yes", survivor=secret.pk)
    assert list(Source.objects.all()) == [secret]
    assert secret.quotes.count() == 1


@pytest.mark.ignore_template_errors
def test_merging_asks_for_at_least_two_sources(client):
    only = make_source()
    client.force_login(make_user("Chief editor"))

    response = merge_post(client, [only], follow=True)

    assert Source.objects.count() == 1
    assert "Select at least two sources to merge." in response.text


# The source's page


@pytest.mark.ignore_template_errors
def test_source_page_lists_its_quotes_and_stories_in_constant_queries(client, django_assert_max_num_queries):
    source = make_source(name="Maria Lindqvist")
    first = make_article(headline="Stations to close")
    make_quote(first, source=source, text="We have no choice", position=0)
    make_quote(first, source=source, text="The network must be safe", position=1, is_pull_quote=False)
    client.force_login(make_user("Editor"))
    url = reverse("admin:articles_source_change", args=[source.pk])
    with CaptureQueriesContext(connection) as one_story:
        page = client.get(url)

    assert page.status_code == 200
    assert "Stations to close" in page.text
    assert "We have no choice" in page.text and "The network must be safe" in page.text
    assert reverse("admin:articles_article_change", args=[first.pk]) in page.text
    assert "2 quotes in 1 story" in page.text

    for number in range(6):
        make_quote(make_article(headline=f"Story {number}"), source=source, text=f"Quote {number}")
    with django_assert_max_num_queries(len(one_story)):
        page = client.get(url)
    assert "8 quotes in 7 stories" in page.text


@pytest.mark.ignore_template_errors
def test_confidential_source_page_lists_quotes_without_revealing_the_identity(client):
    secret = make_source(name="Hugo Fairbairn", organisation="Town Hall", confidential=True, public_label="an insider")
    make_quote(make_article(headline="Leak at the town hall"), source=secret, text="It was hushed up")
    client.force_login(make_user("Editor"))

    page = client.get(reverse("admin:articles_source_change", args=[secret.pk]))

    assert page.status_code == 200
    assert "It was hushed up" in page.text and "Leak at the town hall" in page.text
    assert "Fairbairn" not in page.text and "Town Hall" not in page.text


def test_quote_rows_are_plain_quotes():
    article = make_article()
    attach_quotes(article, Found(quotes=[Said("Hi.", 0, "Maria Lindqvist")], sources=[LINDQVIST]))

    assert Quote.objects.get().article == article
