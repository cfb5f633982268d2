import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from articles.importers import ninjs, records
from articles.importers.records import ArticleRecord, BylineRecord, FormatError, QuoteRecord, RecordError

FIXTURES = Path(__file__).parent / "fixtures" / "ninjs"


def read(data, *, name="item.json", origin=None):
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    return list(ninjs.parse(io.BytesIO(data), name=name, origin=origin))


def read_fixture(filename):
    with open(FIXTURES / filename, "rb") as stream:
        return list(ninjs.parse(stream, name=filename))


def item(**fields):
    return {"uri": "urn:test:1", "type": "text", "headline": "A headline"} | fields


def test_version_1_flat_item():
    [story] = read_fixture("v1-story.json")

    assert story.origin == "ninjs"
    assert story.external_id == "urn:newsml:coastal-press.example:20240506:harbour-bridge"
    assert story.headline == "Harbour bridge reopens after six-month repair"
    assert story.standfirst == "Commuters return to the crossing a week ahead of schedule."
    assert story.body_html == "<p>The harbour bridge reopened to traffic on Monday.</p><p>Tolls stay suspended.</p>"
    assert story.bylines == [BylineRecord("Maria Okafor"), BylineRecord("Tom Reyes")]
    assert (story.status, story.restricted) == ("published", False)
    assert story.published_at == datetime(2024, 5, 6, 5, 10, tzinfo=UTC)
    assert story.embargo_until == datetime(2024, 5, 6, 5, 0, tzinfo=UTC)
    assert story.updated_at == datetime(2024, 5, 6, 6, 45, tzinfo=UTC)
    assert story.version == "3"


def test_version_1_associations_object_gives_pictures_and_graphics():
    [story] = read_fixture("v1-story.json")
    photo, chart = story.images

    assert photo.url == "https://media.coastal-press.example/bridge-original.jpg"
    assert photo.caption == "Workers remove scaffolding from the harbour bridge at dawn."
    assert photo.credit == "Coastal Press"
    assert photo.photographer == "Jane Doe"
    assert photo.alt_text == "Scaffolding lowered from the harbour bridge"
    assert photo.usage_terms == "Editorial use only"
    assert photo.lead is True
    assert chart.caption == "Daily crossings, 2023–2024"
    assert chart.url == ""  # its only rendition is a javascript: address
    assert chart.lead is False


def test_version_2_arrays_withheld_item_is_a_restricted_draft():
    [story] = read_fixture("v2-story.json")

    assert story.headline == "Council delays vote on ferry fares"
    assert story.standfirst == "The vote moves to June."
    assert story.body_html == "<p>The council delayed its vote.</p><p>A decision is now due in June.</p>"
    assert (story.status, story.restricted) == ("draft", True)
    assert story.bylines == [BylineRecord("Priya Nair")]
    [photo] = story.images
    assert photo.url == "https://img.wire.example.org/ferry-1600.jpg"  # the largest, sizes given as strings
    assert (photo.caption, photo.credit, photo.lead) == ("The morning ferry leaves the quay.", "Wire Example", True)


def test_version_3_camel_case_item():
    [story] = read_fixture("v3-story.json")

    assert story.external_id == "https://news.example.net/items/port-figures"
    assert story.status == "published"
    assert story.embargo_until == datetime(2024, 5, 9, 6, 0, tzinfo=UTC)
    assert story.updated_at == datetime(2024, 5, 8, 9, 15, tzinfo=UTC)
    assert story.body_html == "<p>Container volumes rose 8% last year.</p>"  # XHTML preferred to plain text
    assert story.standfirst == "Container volumes up 8%."
    [photo] = story.images
    assert photo.url == "https://img.news.example.net/port-base.jpg"  # baseImage preferred to the larger one
    assert (photo.credit, photo.usage_terms, photo.lead) == ("News Example", "No archive", True)


def test_superdesk_dialect():
    [story] = read_fixture("superdesk.json")

    assert story.external_id.startswith("urn:newsml:localhost:5000:")
    assert story.version == "4"
    assert story.published_at == datetime(2024, 5, 9, 10, 0, tzinfo=UTC)
    assert story.updated_at == datetime(2024, 5, 9, 10, 20, tzinfo=UTC)
    assert story.bylines == [BylineRecord("Maria Okafor", "reporting"), BylineRecord("Jane Doe", "photos")]
    assert story.tags == ["harbour", "dredging"]
    assert story.slug == ""  # a slugline is a desk label, not a web address
    assert story.body_html == "<p>Dredging started on Thursday.</p><p>It will take four months.</p>"


def test_superdesk_pictures_take_the_original_rendition_and_featuremedia_leads():
    [story] = read_fixture("superdesk.json")
    inline, featured = story.images

    assert inline.url == "https://superdesk.example.com/original.jpg"
    assert inline.alt_text == "A dredger with its arm lowered into grey water"
    assert (inline.credit, inline.photographer, inline.lead) == ("Harbour Gazette", "Tom Reyes", False)
    assert (featured.url, featured.lead) == ("https://superdesk.example.com/featured-base.jpg", True)


def test_json_lines_feed_skips_non_articles_and_reports_bad_lines():
    results = read_fixture("feed.jsonl")

    assert [(type(result).__name__, result.location) for result in results] == [
        ("ArticleRecord", "feed.jsonl:1"),
        ("ArticleRecord", "feed.jsonl:5"),
        ("ArticleRecord", "feed.jsonl:6"),
        ("RecordError", "feed.jsonl:7"),
        ("RecordError", "feed.jsonl:9"),
    ]
    assert [result.status for result in results[:3]] == ["published", "draft", "withdrawn"]
    assert results[1].restricted is True
    assert results[1].body_html == "<p>Legal is checking this.</p>"
    assert "missing headline" in results[4].reason


def test_array_of_items_in_different_syntaxes():
    first, second, not_an_item = read_fixture("array.json")

    assert (first.location, first.headline) == ("array.json: item 1", "First in the array")
    assert (second.headline, second.status) == ("Second in the array", "published")
    assert second.published_at == datetime(2024, 5, 11, tzinfo=UTC)  # a date alone counts as midnight UTC
    assert not_an_item == RecordError("array.json: item 3", "expected a ninjs object")


def test_feed_wrappers_are_unwrapped():
    wrapped = {"api_version": "2", "data": {"items": [item(uri="urn:a"), item(uri="urn:b")]}}

    assert [story.external_id for story in read(wrapped)] == ["urn:a", "urn:b"]


def test_json_lines_in_a_json_file_are_read_line_by_line():
    data = (json.dumps(item(uri="urn:a")) + "\n" + json.dumps(item(uri="urn:b")) + "\n").encode()

    assert [story.location for story in read(data)] == ["item.json:1", "item.json:2"]


def test_picture_audio_video_event_and_planning_items_are_not_articles():
    kinds = ["picture", "graphic", "audio", "video", "event", "planning"]

    assert read([item(type=kind) for kind in kinds]) == []


def test_missing_pubstatus_leaves_status_to_the_loader():
    [story] = read(item())

    assert (story.status, story.restricted) == (None, False)


def test_integer_version_and_superdesk_offsets_are_accepted():
    [story] = read(item(version=7, versioncreated="2024-05-09T10:20:00+0000"))

    assert story.version == "7"
    assert story.updated_at == datetime(2024, 5, 9, 10, 20, tzinfo=UTC)


def test_headline_roles_prefer_main():
    [story] = read(item(headline=None, headlines=[{"role": "short", "value": "Short"}, {"value": "Main one"}]))

    assert story.headline == "Main one"


def test_plain_text_body_lines_become_paragraphs_escaped():
    [story] = read(item(body_text="First <line>\nSecond & last"))

    assert story.body_html == "<p>First &lt;line&gt;</p><p>Second &amp; last</p>"


NITF_BODY = (
    "<nitf><head><title>Not the headline</title></head><body><body.content><p>The council <org>met</org>.</p>"
    '<p><q quote-source="Ana Ruiz">We agreed</q>, she said.</p></body.content></body></nitf>'
)

NITF_ITEMS = [
    ("typed body", item(bodies=[{"contentType": "application/nitf+xml", "value": NITF_BODY}])),
    ("untyped body", item(bodies=[{"role": "main", "value": NITF_BODY}])),
    ("1.x body_xml", item(body_xml=NITF_BODY)),
    ("1.x body_nitf", item(body_nitf=NITF_BODY)),
    ("NITF preferred to plain text", item(body_text="Plain.", body_xml=NITF_BODY)),
]


@pytest.mark.parametrize(("label", "data"), NITF_ITEMS, ids=[row[0] for row in NITF_ITEMS])
def test_nitf_body_is_read_with_its_quotes_and_the_rest_stays_the_items(label, data):
    [story] = read(data)

    assert story.body_html == "<p>The council met.</p><p>“We agreed”, she said.</p>"
    assert story.quotes == [QuoteRecord(text="We agreed", speaker="Ana Ruiz")]
    assert (story.external_id, story.headline) == ("urn:test:1", "A headline")


def test_html_body_is_preferred_to_a_nitf_one():
    [story] = read(item(body_html="<p>From HTML.</p>", body_xml=NITF_BODY))

    assert (story.body_html, story.quotes) == ("<p>From HTML.</p>", [])


HOSTILE_NITF_BODIES = [
    ("entity expansion", '<!DOCTYPE nitf [<!ENTITY a "aaaa">]><nitf/>', "NITF body refused: it declares entities"),
    ("external entity", '<!DOCTYPE nitf [<!ENTITY s SYSTEM "file:///etc/passwd">]><nitf>&s;</nitf>', "refused"),
    ("not well-formed", "<nitf><body><body.content><p>Cut", "NITF body not well-formed XML ("),
    ("over 5 MB", "<p>" + "x" * (5 * 1024 * 1024) + "</p>", "the limit is 5,242,880"),
]


@pytest.mark.parametrize(("label", "body", "reason"), HOSTILE_NITF_BODIES, ids=[row[0] for row in HOSTILE_NITF_BODIES])
def test_hostile_nitf_body_is_a_record_error(label, body, reason):
    [result] = read(item(bodies=[{"contentType": "application/nitf+xml", "value": body}]))

    assert isinstance(result, RecordError) and result.location == "item.json"
    assert reason in result.reason
    assert "root:" not in result.reason


def test_origin_defaults_to_ninjs_and_can_be_given():
    assert read(item())[0].origin == "ninjs"
    assert read(item(), origin="agency")[0].origin == "agency"


def test_people_and_organisations_do_not_become_sources():
    [story] = read(item(people=[{"name": "Ana Ruiz", "rel": "about"}], organisations=[{"name": "Council"}]))

    assert story.sources == [] and story.quotes == []


BYLINES = [
    ("By Paulo Santalucia and Frances d'Emilio", ["Paulo Santalucia", "Frances d'Emilio"]),
    ("Ana Ruiz, Tom Reyes and Priya Nair", ["Ana Ruiz", "Tom Reyes", "Priya Nair"]),
    ("Aaron Staples, Michigan State University", ["Aaron Staples, Michigan State University"]),
    ("Jane Doe (AP)", ["Jane Doe"]),
    ("  ", []),
]


@pytest.mark.parametrize(("byline", "names"), BYLINES)
def test_free_text_byline_is_split_conservatively(byline, names):
    assert records.split_byline(byline) == names


HOSTILE_ITEMS = [
    ("missing uri", item(uri=None), "missing required field 'uri'"),
    ("headline of 1 MB", item(headline="A" * 1024 * 1024), "headline is 1,048,576 characters long"),
    ("body over 5 MB", item(body_html="<p>" + "x" * (5 * 1024 * 1024)), "the limit is 5,242,880"),
    ("embargo that is not a time", item(embargoed="soon"), "embargoed: not an ISO 8601 time"),
    (
        "body in a format not read",
        item(bodies=[{"contentType": "application/pdf", "value": "%PDF-1.7"}]),
        "the body is application/pdf, which this importer cannot read yet",
    ),
    ("headline that is not text", item(headline=None, headline_main=None, title=42), "title: expected a string"),
]


@pytest.mark.parametrize(("label", "data", "reason"), HOSTILE_ITEMS, ids=[row[0] for row in HOSTILE_ITEMS])
def test_bad_item_is_a_record_error(label, data, reason):
    [result] = read(data)

    assert isinstance(result, RecordError)
    assert reason in result.reason


ODD_SHAPES = [
    ("type as a list", item(type=["text"])),
    ("uri as an object", item(uri={"id": 1})),
    ("headlines of the wrong shape", item(headline=None, headlines=[None, {"value": 3}, "x"])),
    ("association name as a list", item(associations=[{"name": ["mainpic"], "type": "picture"}])),
    ("rendition name as an object", item(associations={"p": {"type": "picture", "renditions": [{"name": {}}]}})),
    ("rendition sizes as words", item(associations={"p": {"type": "picture", "renditions": {"a": {"width": "big"}}}})),
    ("authors of the wrong shape", item(authors=[None, {"name": 5}, {"name": "Ana", "role": ["x"]}])),
    ("keywords of the wrong shape", item(keywords="harbour")),
    ("version as an object", item(version={"n": 1})),
]


@pytest.mark.parametrize(("label", "data"), ODD_SHAPES, ids=[row[0] for row in ODD_SHAPES])
def test_oddly_shaped_item_never_stops_the_file(label, data):
    results = read([data, item(uri="urn:next")])

    assert results[-1].external_id == "urn:next"


HOSTILE_FILES = [
    ("truncated JSON", b'{"uri": "urn:x", "headline": "Cut', r"item.json:1: invalid JSON: Unterminated string"),
    ("invalid UTF-8", b'{"uri": "urn:x", "headline": "Caf\xe9"}', r"item.json: not UTF-8"),
    ("not JSON at all", b"<rss></rss>", r"item.json:1: invalid JSON: Expecting value at column 1"),
    ("nested a million deep", b"[" * 1_000_000 + b"]" * 1_000_000, r"item.json: invalid JSON: nested too deeply"),
]


@pytest.mark.parametrize(("label", "data", "message"), HOSTILE_FILES, ids=[row[0] for row in HOSTILE_FILES])
def test_unreadable_document_is_a_format_error(label, data, message):
    with pytest.raises(FormatError, match=message):
        read(data)


def test_records_are_plain_article_records():
    assert all(isinstance(story, ArticleRecord) for story in read_fixture("v3-story.json"))
