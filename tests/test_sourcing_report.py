"""The sourcing report: its figures on a small fixed newsroom, its page, its CSV and its cost."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Source
from articles.reports import months_between, sourcing_report, voice_expression
from tests.builders import make_article, make_quote, make_section, make_source, make_user

pytestmark = pytest.mark.django_db

URL = "/admin/articles/sourcing-report/"
START, END = date(2025, 1, 1), date(2025, 3, 31)


def at(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))


def quote(article, source, times=1):
    for number in range(times):
        make_quote(article, source=source, text=f"{source.name} says {number}", is_pull_quote=False)


@pytest.fixture
def newsroom():
    """Five live stories from January to March 2025, plus stories the report must ignore."""
    city, sport = make_section(name="City", slug="city"), make_section(name="Sport", slug="sport")
    lindqvist = make_source(name="Maria Lindqvist", role="spokeswoman", organisation="Interior Ministry")
    byrne = make_source(name="Ada Byrne", role="professor of economics", organisation="University of Lund")
    baker = make_source(name="Tom Baker", role="fisherman", organisation="")
    secret = make_source(
        name="Hugo Fairbairn",
        role="harbour master",
        organisation="Port Authority",
        confidential=True,
        public_label="a senior official",
    )
    agency = make_source(name="Environment Agency", kind=Source.Kind.ORGANISATION, role="", organisation="")
    residents = make_source(name="local residents", kind=Source.Kind.GROUP, role="", organisation="")

    january = make_article(headline="Stations to close", section=city, published_at=at(date(2025, 1, 15)))
    quote(january, lindqvist, 2)
    quote(january, byrne)
    leak = make_article(headline="Harbour leak", section=city, published_at=at(date(2025, 2, 10)))
    quote(leak, secret)
    quote(leak, baker)
    derby = make_article(headline="Derby day", section=sport, published_at=at(date(2025, 2, 20)))
    quote(derby, residents)
    floods = make_article(headline="Flood warning", section=city, published_at=at(date(2025, 3, 5)))
    quote(floods, lindqvist)
    quote(floods, agency)
    quote(floods, byrne)
    make_article(headline="Results", section=sport, published_at=at(date(2025, 3, 30)))

    # Outside the period, not published, or withdrawn: never counted.
    quote(make_article(section=city, published_at=at(date(2024, 12, 31))), lindqvist, 5)
    quote(make_article(section=city, status=Article.Status.DRAFT, published_at=None), lindqvist, 3)
    quote(make_article(section=city, status=Article.Status.WITHDRAWN, published_at=at(date(2025, 2, 1))), baker, 4)
    return {"city": city, "sport": sport, "secret": secret, "lindqvist": lindqvist}


def test_report_counts_live_stories_in_the_period(newsroom):
    report = sourcing_report(START, END)

    assert (report.stories, report.quotes) == (5, 9)
    assert [(v.key, v.count) for v in report.voices] == [("official", 5), ("expert", 2), ("other", 2)]
    assert [(k.key, k.count) for k in report.kinds] == [
        ("person", 7),
        ("organisation", 1),
        ("group", 1),
        ("document", 0),
    ]
    assert (report.confidential_quotes, report.stories_with_confidential) == (1, 1)
    assert report.confidential_share == pytest.approx(1 / 9)
    assert (report.no_named_source, report.one_named_source) == (2, 1)
    assert report.no_named_source_share == pytest.approx(0.4)
    assert [story.headline for story in report.thin_stories] == ["Results", "Derby day", "Harbour leak"]
    assert [story.named_sources for story in report.thin_stories] == [0, 0, 1]


def test_most_quoted_sources_show_a_confidential_source_by_its_label(newsroom):
    report = sourcing_report(START, END)

    assert [(row.label, row.quotes, row.stories) for row in report.top_sources[:2]] == [
        ("Maria Lindqvist", 3, 2),
        ("Ada Byrne", 2, 2),
    ]
    secret_row = next(row for row in report.top_sources if row.confidential)
    assert (secret_row.label, secret_row.organisation, secret_row.quotes) == ("a senior official", "", 1)
    assert [(row.label, row.quotes, row.stories) for row in report.top_organisations] == [
        ("Interior Ministry", 3, 2),
        ("University of Lund", 2, 2),
        ("Environment Agency", 1, 1),
    ]


def test_those_who_may_see_confidential_sources_see_them_in_the_report(newsroom):
    report = sourcing_report(START, END, reveal_confidential=True)

    assert "Hugo Fairbairn" in [row.label for row in report.top_sources]
    assert ("Port Authority", 1) in [(row.label, row.quotes) for row in report.top_organisations]


def test_report_month_by_month(newsroom):
    months = sourcing_report(START, END).months

    assert [m.month for m in months] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert [(m.stories, m.quotes) for m in months] == [(1, 3), (2, 3), (2, 3)]
    assert [m.voices for m in months] == [
        {"official": 2, "expert": 1, "other": 0},
        {"official": 1, "expert": 0, "other": 2},
        {"official": 2, "expert": 1, "other": 0},
    ]
    assert [m.confidential_quotes for m in months] == [0, 1, 0]
    assert [(m.no_named_source, m.one_named_source) for m in months] == [(0, 0), (1, 1), (1, 0)]


def test_report_for_one_section(newsroom):
    report = sourcing_report(START, END, newsroom["sport"])

    assert (report.stories, report.quotes, report.no_named_source) == (2, 1, 2)
    assert [row.label for row in report.top_sources] == ["local residents"]


def test_an_empty_period_has_zero_figures_and_every_month():
    report = sourcing_report(date(2025, 1, 20), date(2025, 4, 2))

    assert (report.stories, report.quotes, report.confidential_share) == (0, 0, 0)
    assert [m.month.month for m in report.months] == [1, 2, 3, 4]


def test_months_between_covers_partial_months():
    assert months_between(date(2024, 11, 30), date(2025, 2, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]


@pytest.mark.parametrize(
    ("fields", "voice"),
    [
        ({"role": "Interior Ministry spokeswoman"}, "official"),
        ({"role": "spokesman", "organisation": "Tesco"}, "official"),
        ({"role": "councillor"}, "official"),
        ({"role": "Minister for Transport"}, "official"),
        ({"role": "detective", "organisation": "Metropolitan Police"}, "official"),
        ({"role": "director", "organisation": "Environment Agency"}, "official"),
        ({"role": "director", "organisation": "Rovers FC"}, "other"),
        ({"role": "chief executive officer", "organisation": "Tesco"}, "other"),
        ({"role": "professor of history"}, "expert"),
        ({"role": "senior analyst", "organisation": "Capital Economics"}, "expert"),
        ({"role": "economist"}, "expert"),
        ({"role": "director", "organisation": "Institute for Fiscal Studies"}, "expert"),
        ({"role": "judge", "organisation": "Eastmouth Crown Court"}, "official"),
        ({"role": "leader of the opposition", "organisation": "Eastmouth City Council"}, "official"),
        ({"role": "marine ecologist"}, "expert"),
        ({"role": "medical director", "organisation": "Eastmouth Hospitals Trust"}, "expert"),
        ({"role": "lab manager", "organisation": "University of Eastmouth"}, "expert"),
        ({"role": "student", "organisation": "University of Eastmouth"}, "other"),
        ({"role": "spokeswoman", "organisation": "University of Eastmouth"}, "official"),
        ({"role": "fisherman"}, "other"),
        ({"role": ""}, "other"),
        ({"name": "Environment Agency", "kind": "organisation", "role": ""}, "official"),
        ({"name": "University of Lund", "kind": "organisation", "role": ""}, "expert"),
        ({"name": "local officials", "kind": "group", "role": ""}, "official"),
        ({"name": "city residents", "kind": "group", "role": ""}, "other"),
        ({"role": "professor", "confidential": True, "public_label": "a senior official"}, "official"),
        ({"role": "minister", "confidential": True, "public_label": "a friend of the family"}, "other"),
    ],
)
def test_voice_is_read_from_role_words(fields, voice):
    source = make_source(**({"organisation": ""} | fields))

    assert Source.objects.annotate(voice=voice_expression()).get(pk=source.pk).voice == voice


# The page


def test_reporters_may_read_the_report(client, newsroom):
    client.force_login(make_user("Reporter"))

    response = client.get(URL, {"start": "2025-01-01", "end": "2025-03-31"})

    assert response.status_code == 200
    assert reverse("admin:articles_sourcing_report") == URL
    page = response.text
    assert "Maria Lindqvist" in page and "Interior Ministry" in page
    assert "a senior official" in page
    assert "Hugo Fairbairn" not in page and "Port Authority" not in page and "harbour master" not in page
    assert "<svg" in page and "<script" not in page.split('id="content-main"')[1]
    assert response.context["report"].stories == 5


def test_chief_editor_sees_confidential_identities_in_the_report(client, newsroom):
    client.force_login(make_user("Chief editor"))

    page = client.get(URL, {"start": "2025-01-01", "end": "2025-03-31"}).text

    assert "Hugo Fairbairn" in page and "Port Authority" in page


def test_report_defaults_to_the_last_ninety_days(client):
    make_quote(make_article(published_at=timezone.now() - timedelta(days=3)))
    make_quote(make_article(published_at=timezone.now() - timedelta(days=100)))
    client.force_login(make_user("Editor"))

    report = client.get(URL).context["report"]

    assert report.end == timezone.localdate()
    assert (report.end - report.start).days == 89
    assert (report.stories, report.quotes) == (1, 1)


def test_a_period_ending_before_it_starts_is_an_error(client):
    client.force_login(make_user("Editor"))

    response = client.get(URL, {"start": "2025-03-01", "end": "2025-02-01"})

    assert response.status_code == 200
    assert response.context["report"] is None
    assert "The period ends before it starts." in response.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_view_quote_are_refused(client):
    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)

    assert client.get(URL).status_code == 403


# CSV


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sourcing-report-2025-01-01-to-2025-03-31.csv"'
    assert response.content.startswith("\ufeff".encode())  # so that spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_has_the_same_figures(client, newsroom):
    client.force_login(make_user("Editor"))

    rows = read_csv(client.get(URL, {"start": "2025-01-01", "end": "2025-03-31", "section": "", "format": "csv"}))

    assert rows[0] == ["Sourcing report", "2025-01-01", "2025-03-31", "All sections"]
    assert ["Stories", "5", ""] in rows
    assert ["Quotes", "9", ""] in rows
    assert ["Quotes from confidential sources", "1", "11.1"] in rows
    assert ["Stories with no named source", "2", "40.0"] in rows
    assert ["Officials", "5", "55.6"] in rows
    assert ["Maria Lindqvist", "Person", "Interior Ministry", "", "3", "2", "33.3"] in rows
    assert ["a senior official", "Person", "", "yes", "1", "1", "11.1"] in rows
    assert ["Interior Ministry", "3", "2", "33.3"] in rows
    assert ["2025-02", "2", "3", "33.3", "0.0", "66.7", "1", "1", "1", "1"] in rows
    assert "Hugo Fairbairn" not in str(rows) and "Port Authority" not in str(rows)


def test_csv_cells_never_run_as_spreadsheet_formulas(client):
    article = make_article(published_at=at(date(2025, 2, 1)))
    make_quote(article, source=make_source(name='=HYPERLINK("http://x")', organisation="@Acme"))
    client.force_login(make_user("Editor"))

    rows = read_csv(client.get(URL, {"start": "2025-01-01", "end": "2025-03-31", "format": "csv"}))

    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert "'@Acme" in cells
    assert not any(cell.startswith(("=", "@")) for cell in cells)


# Cost


def make_stories(count, section):
    sources = [make_source(name=f"Person {n}", role=role) for n, role in enumerate(["minister", "professor", "baker"])]
    secret = make_source(confidential=True, public_label="an insider")
    for number in range(count):
        article = make_article(section=section, published_at=at(date(2025, 1 + number % 3, 1 + number % 27)))
        for source in sources[: 1 + number % 3]:
            make_quote(article, source=source, is_pull_quote=False)
        if number % 4 == 0:
            make_quote(article, source=secret, is_pull_quote=False)


@pytest.mark.parametrize("output", ["page", "csv"])
def test_report_costs_the_same_queries_for_3_stories_as_for_30(client, django_assert_max_num_queries, output):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    section = make_section()
    client.force_login(make_user("Editor"))
    query = {"start": "2025-01-01", "end": "2025-03-31"} | ({"format": "csv"} if output == "csv" else {})
    make_stories(3, section)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, query).status_code == 200

    make_stories(27, section)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL, query)

    assert response.status_code == 200
    if output == "page":
        assert response.context["report"].stories == 30
