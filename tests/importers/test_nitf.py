import io
from datetime import UTC, datetime

import pytest

from articles.importers import nitf
from articles.importers.records import BylineRecord, FormatError, ImageRecord, QuoteRecord, RecordError
from articles.models import Article
from tests.importers.hostile_xml import entity_bomb, external_entity
from tests.importers.test_commands import run
from tests.importers.test_loader import write_jpeg

STORY = """<?xml version="1.0" encoding="UTF-8"?>
<nitf>
<head>
  <title>Ferry timetable (head title)</title>
  <tobject><tobject.subject tobject.subject.refnum="04000000" tobject.subject.type="Economy"/></tobject>
  <pubdata type="web" position.section="City"/>
  <docdata management-status="usable">
    <doc-id regsrc="Coastal Wire" id-string="cw-20240506-ferry"/>
    <du-key version="2" key="ferry-timetable"/>
    <date.issue norm="20240506T093000+0200"/>
    <date.release norm="20240506T073000Z"/>
    <key-list><keyword key="ferries"/><keyword key="harbour"/><keyword key="ferries"/></key-list>
  </docdata>
</head>
<body>
  <body.head>
    <hedline><hl1>Ferry timetable changes on Monday</hl1><hl2>Boats every ten minutes</hl2></hedline>
    <byline>By <person>Maria Okafor</person> and <person>Tom Reyes</person> <byttl>Harbour staff</byttl></byline>
    <dateline><location>PORT TOWN</location>, <story.date norm="20240506T070000Z">May 6</story.date></dateline>
    <abstract><p>Ferries will run more often.</p><p>Fares stay the same.</p></abstract>
  </body.head>
  <body.content>
    <p>The <org idsrc="x" value="hfc">Harbour Ferry Company</org> changes its timetable,
       <person>Ana Ruiz</person> told reporters.</p>
    <media media-type="image">
      <media-reference source="photos/ferry-small.jpg" width="200" height="150" alternate-text="Small"/>
      <media-reference source="photos/ferry.jpg" width="800" height="600" alternate-text="A ferry at the quay"/>
      <media-caption><p>The morning ferry leaves the quay.</p></media-caption>
      <media-producer>Jane Doe/Coastal Wire</media-producer>
    </media>
    <hl2>What changes</hl2>
    <p><q quote-source="Ana Ruiz">Every ten minutes from Monday</q>, she said.</p>
    <block>
      <ul><li>More boats</li><li><em>Later</em> last crossing</li></ul>
    </block>
    <bq><block><p>We waited years for this.</p></block><credit>Commuter Lena Berg</credit></bq>
    <p>Details: <a href="https://ferry.example/timetable">the timetable</a>.</p>
    <nitf-table>
      <nitf-table-metadata><nitf-table-summary><p>Crossings</p></nitf-table-summary></nitf-table-metadata>
      <table border="1"><tr><th colspan="2">Crossings</th></tr><tr><td>Island</td><td>10 min</td></tr></table>
    </nitf-table>
    <media media-type="image">
      <media-reference source="https://img.wire.example/routes.jpg"/>
      <media-caption>The new routes.</media-caption>
    </media>
    <media media-type="video"><media-reference source="https://video.wire.example/ferry.mp4"/></media>
    <note noteclass="editorsnote" type="npa"><body.content><p>Editors: not for publication.</p></body.content></note>
  </body.content>
  <body.end><tagline>Priya Nair contributed.</tagline></body.end>
</body>
</nitf>
"""

DOCUMENT = """<nitf>
<head><docdata {docdata}><doc-id id-string="{doc_id}"/>{dates}</docdata></head>
<body><body.head><hedline><hl1>{headline}</hl1></hedline>{body_head}</body.head>
<body.content>{content}</body.content></body>
</nitf>"""


def document(*, docdata="", doc_id="story-1", dates="", headline="A headline", body_head="", content="<p>Words.</p>"):
    return DOCUMENT.format(
        docdata=docdata, doc_id=doc_id, dates=dates, headline=headline, body_head=body_head, content=content
    )


def picture(source):
    return f'<media media-type="image"><media-reference source="{source}"/><media-caption>C</media-caption></media>'


def read(data, *, name="story.xml", origin=None):
    if isinstance(data, str):
        data = data.encode()
    return list(nitf.parse(io.BytesIO(data), name=name, origin=origin))


def one(data, **options):
    [story] = read(data, **options)
    return story


def test_full_story_ids_status_times_and_text():
    story = one(STORY)

    assert (story.origin, story.external_id, story.version) == ("nitf:Coastal Wire", "cw-20240506-ferry", "2")
    assert story.location == "story.xml"
    assert story.headline == "Ferry timetable changes on Monday"
    assert story.standfirst == "Ferries will run more often. Fares stay the same."  # the abstract beats hl2
    assert story.bylines == [BylineRecord("Maria Okafor"), BylineRecord("Tom Reyes")]  # not the byttl
    assert story.tags == ["ferries", "harbour"]
    assert story.section == "City"
    assert (story.status, story.restricted) == ("published", False)
    assert story.updated_at == datetime(2024, 5, 6, 7, 30, tzinfo=UTC)  # date.issue
    assert story.published_at == datetime(2024, 5, 6, 7, 0, tzinfo=UTC)  # the dateline's story.date
    assert story.embargo_until is None  # released when issued


def test_full_story_body_is_converted_to_html():
    assert one(STORY).body_html == (
        "<p>The Harbour Ferry Company changes its timetable, Ana Ruiz told reporters.</p>"
        "<h2>What changes</h2>"
        "<p>“Every ten minutes from Monday”, she said.</p>"
        "<ul><li>More boats</li><li><em>Later</em> last crossing</li></ul>"
        "<blockquote><p>We waited years for this.</p><cite>Commuter Lena Berg</cite></blockquote>"
        '<p>Details: <a href="https://ferry.example/timetable" rel="noopener noreferrer">the timetable</a>.</p>'
        '<table><tbody><tr><th colspan="2">Crossings</th></tr><tr><td>Island</td><td>10 min</td></tr></tbody></table>'
        "<p><em>Priya Nair contributed.</em></p>"
    )


def test_full_story_images_take_the_largest_reference_and_the_first_leads():
    assert one(STORY).images == [
        ImageRecord(
            file="photos/ferry.jpg",
            caption="The morning ferry leaves the quay.",
            credit="Jane Doe/Coastal Wire",
            alt_text="A ferry at the quay",
            lead=True,
        ),
        ImageRecord(url="https://img.wire.example/routes.jpg", caption="The new routes."),
    ]


def test_quotes_come_from_credited_blockquotes_and_sourced_q_but_not_from_people_and_organisations():
    story = one(STORY)

    assert story.quotes == [
        QuoteRecord(text="Every ten minutes from Monday", speaker="Ana Ruiz"),
        QuoteRecord(text="We waited years for this.", speaker="Commuter Lena Berg"),
    ]
    assert story.sources == []  # <person> and <org> name who the story mentions


def test_quote_source_names_the_speaker_of_a_blockquote_and_a_q_without_one_is_no_quote():
    content = (
        '<bq quote-source="Lena Berg"><block><p>"Finally."</p></block><credit>— a commuter</credit></bq>'
        "<p>It was <q>good enough</q>.</p>"
    )

    story = one(document(content=content))

    assert story.quotes == [QuoteRecord(text="Finally.", speaker="Lena Berg")]
    assert "<p>It was “good enough”.</p>" in story.body_html


def test_latin1_file_is_read_through_its_declaration():
    data = document(headline="Café owners welcome the ferry").encode("latin-1")

    story = one(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + data)

    assert story.headline == "Café owners welcome the ferry"


def test_doctype_is_not_loaded_and_html_entities_are_read_as_characters(tmp_path):
    dtd = tmp_path / "nitf-3-2.dtd"
    dtd.write_text('<!ENTITY eacute "LOADED">')
    content = "<p>Caf&eacute; &mdash; 10&nbsp;min &amp; more<!-- &nbsp; --></p><p><![CDATA[&nbsp;]]></p>"
    data = f'<!DOCTYPE nitf SYSTEM "{dtd.as_uri()}">\n' + document(headline="Caf&eacute;", content=content)

    story = one(data)

    assert story.headline == "Café"
    assert story.body_html == "<p>Café — 10&nbsp;min &amp; more</p><p>&amp;nbsp;</p>"  # the sanitiser's spelling


def test_entity_the_dtd_alone_would_know_is_shown_as_written():
    data = '<!DOCTYPE nitf SYSTEM "nitf.dtd">' + document(content="<p>Price: 5&euro2;</p><p>&agency;</p>")

    assert one(data).body_html == "<p>Price: 5&amp;euro2;</p><p>&amp;agency;</p>"


MANAGEMENT = [
    ('management-status="usable"', "published", False),
    ('management-status="embargoed"', "published", False),
    ('management-status="withheld"', "draft", True),
    ('management-status="canceled"', "withdrawn", False),
    ("", None, False),
    ('management-status="unknown"', None, False),
]


def test_a_kill_notice_naming_the_document_it_cancels_withdraws_that_story():
    kill = one(document(doc_id="cw-kill-7", docdata='management-status="canceled" management-doc-idref="cw-ferry"'))
    update = one(document(doc_id="cw-ferry-2", docdata='management-status="usable" management-doc-idref="cw-ferry"'))

    assert (kill.external_id, kill.status) == ("cw-ferry", "withdrawn")
    assert (update.external_id, update.status) == ("cw-ferry-2", "published")  # a story of its own


@pytest.mark.parametrize(("docdata", "status", "restricted"), MANAGEMENT)
def test_management_status_maps_to_status_and_restriction(docdata, status, restricted):
    dates = '<date.issue norm="20240506T070000Z"/><date.release norm="20240507T070000Z"/>'

    story = one(document(docdata=docdata, dates=dates))

    assert (story.status, story.restricted) == (status, restricted)


EMBARGOES = [
    ("embargoed", "20240506", "20240507T0600Z", datetime(2024, 5, 7, 6, 0, tzinfo=UTC)),
    ("embargoed", "20240506", "20240501", datetime(2024, 5, 1, tzinfo=UTC)),  # it says so: an embargo all the same
    ("usable", "20240506T070000Z", "20240506T090000+0100", datetime(2024, 5, 6, 8, 0, tzinfo=UTC)),  # later
    ("usable", "20240506T070000Z", "20240506T070000Z", None),  # released when issued
    ("usable", "", "20240506T070000Z", None),  # nothing to be later than
]


@pytest.mark.parametrize(("management", "issued", "released", "embargo"), EMBARGOES)
def test_release_time_is_an_embargo_when_embargoed_or_later_than_the_issue(management, issued, released, embargo):
    dates = f'<date.issue norm="{issued}"/>' if issued else ""
    dates += f'<date.release norm="{released}"/>'

    story = one(document(docdata=f'management-status="{management}"', dates=dates))

    assert story.embargo_until == embargo


def test_embargoed_document_without_a_release_time_is_a_draft():
    story = one(document(docdata='management-status="embargoed"'))

    assert (story.status, story.restricted, story.embargo_until) == ("draft", False, None)


TIMES = [
    ("20020225T143000-0500", datetime(2002, 2, 25, 19, 30, tzinfo=UTC)),
    ("20020225T143000Z", datetime(2002, 2, 25, 14, 30, tzinfo=UTC)),
    ("20020225T143000", datetime(2002, 2, 25, 14, 30, tzinfo=UTC)),  # agencies leave out the offset: UTC
    ("20020225", datetime(2002, 2, 25, tzinfo=UTC)),
    ("2002-02-25T14:30:00+01:00", datetime(2002, 2, 25, 13, 30, tzinfo=UTC)),
    (" 20020225T1430Z ", datetime(2002, 2, 25, 14, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("norm", "moment"), TIMES)
def test_compact_and_date_only_times_are_read_as_utc(norm, moment):
    story = one(document(dates=f'<date.issue norm="{norm}"/>'))

    assert story.updated_at == story.published_at == moment


def test_later_version_comes_from_the_du_key_or_else_the_doc_id():
    assert one(document(dates='<du-key version="3"/>')).version == "3"
    assert one(document().replace('id-string="story-1"', 'id-string="story-1" version="4"')).version == "4"
    assert one(document()).version == ""


def test_origin_is_nitf_without_a_registering_source_and_can_be_given():
    assert one(document()).origin == "nitf"
    assert one(document(), origin="agency").origin == "agency"


def test_head_title_stands_in_for_a_missing_hl1():
    data = document(headline="").replace("<docdata", "<title>From the head</title><docdata")

    assert one(data).headline == "From the head"


def test_hl2_is_the_standfirst_without_an_abstract():
    data = document().replace("</hl1>", "</hl1><hl2>Second  line</hl2>")

    assert one(data).standfirst == "Second line"


BYLINES = [
    ("<byline>By Ana Ruiz <byttl>Transport correspondent</byttl></byline>", ["Ana Ruiz"]),
    ("<byline>By Ana Ruiz and Tom Reyes</byline>", ["Ana Ruiz", "Tom Reyes"]),
    ("<byline>Ana Ruiz, Tom Reyes and Priya Nair (Coastal Wire)</byline>", ["Ana Ruiz", "Tom Reyes", "Priya Nair"]),
    ("<byline><person>Ana Ruiz</person></byline><byline><person>Ana Ruiz</person></byline>", ["Ana Ruiz"]),
    ("<byline> </byline>", []),
]


@pytest.mark.parametrize(("byline", "names"), BYLINES)
def test_byline_text_is_split_into_names(byline, names):
    story = one(document(body_head=byline))

    assert [byline.name for byline in story.bylines] == names


def test_section_only_from_something_that_names_a_desk():
    named = document().replace("<docdata", '<meta name="section" content="Sport"/><docdata')
    subject_only = document().replace(
        "<docdata", '<tobject><tobject.subject tobject.subject.type="Sport"/></tobject><docdata'
    )

    assert one(named).section == "Sport"
    assert one(subject_only).section == ""


def test_loose_text_becomes_paragraphs():
    content = "\n  First paragraph,\n  on two lines.\n\n  Second with <em>stress</em>.\n"

    assert one(document(content=content)).body_html == (
        "<p>First paragraph, on two lines.</p><p>Second with <em>stress</em>.</p>"
    )


def test_several_documents_under_a_wrapper_are_read_in_turn():
    data = f"<wire>{document(doc_id='a')}{document(doc_id='b', headline='')}</wire>"

    first, second = read(data)

    assert (first.location, first.external_id) == ("story.xml: document 1", "a")
    assert second == RecordError("story.xml: document 2", second.reason)
    assert second.reason.startswith("missing headline")


def test_namespaced_nitf_is_read_like_any_other():
    data = document().replace("<nitf>", '<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/">', 1)

    assert one(data).headline == "A headline"


def test_a_file_holding_one_document_without_a_doc_id_is_keyed_by_its_path():
    story = one(document(doc_id="").replace('<doc-id id-string=""/>', ""), name="wire/story.xml")

    assert (story.origin, story.external_id, story.headline) == ("nitf-file", "wire/story.xml", "A headline")


def test_a_document_without_a_doc_id_among_several_is_a_record_error_naming_it():
    first, second = read(f"<wire>{document(doc_id='a')}{document(doc_id='')}</wire>", name="wire/feed.xml")

    assert first.external_id == "a"
    assert second.location == "wire/feed.xml: document 2"
    assert second.reason.startswith("missing doc-id")


def test_missing_headline_is_a_record_error():
    [error] = read(document(headline=" "))

    assert error == RecordError("story.xml", "missing headline (<hl1> in body.head/hedline, or the <title> in head)")


@pytest.mark.parametrize(
    "data",
    [document(content="<p>Kept.</p><p>Cut off").encode(), document(headline="Caf\xe9").encode("latin-1")],
    ids=["cut short", "Latin-1 without a declaration"],
)
def test_a_file_that_is_not_well_formed_is_refused_whole(data):
    with pytest.raises(FormatError, match=r"^story.xml: not well-formed XML \(.+\); a story cut short is not"):
        read(data)


PICTURES = [
    ("relative path", "photos/a.jpg", "photos/a.jpg", ""),
    ("path escaping the folder: the loader refuses it", "../../etc/passwd", "../../etc/passwd", ""),
    ("absolute path: the loader refuses it", "/etc/passwd", "/etc/passwd", ""),
    ("web address", "https://img.example/a.jpg", "", "https://img.example/a.jpg"),
    ("file address", "file:///etc/passwd", "", ""),
    ("script address", "javascript:alert(1)", "", ""),
]


@pytest.mark.parametrize(("label", "source", "file", "url"), PICTURES, ids=[row[0] for row in PICTURES])
def test_picture_source_is_a_file_or_a_web_address_and_nothing_else(label, source, file, url):
    [image] = one(document(content=picture(source))).images

    assert (image.file, image.url, image.caption, image.lead) == (file, url, "C", True)


HEADLINE = b"""<nitf><head><docdata><doc-id id-string="x"/></docdata></head>
<body><body.head><hedline><hl1>%s</hl1></hedline></body.head></body></nitf>"""
BILLION_LAUGHS = entity_bomb(b"nitf", HEADLINE % b"&lol9;")
XXE = external_entity(b"nitf", HEADLINE % b"Leak: &secret;", system=b' SYSTEM "nitf.dtd"')
PARAMETER_XXE = external_entity(b"nitf", HEADLINE % b"Leak", system=b' SYSTEM "nitf.dtd"', parameter=True)

HOSTILE_FILES = [
    ("billion laughs", BILLION_LAUGHS, "refused: it declares entities in its DOCTYPE"),
    ("billion laughs in a damaged file", BILLION_LAUGHS.replace(b"</body>", b""), "refused: it declares entities"),
    ("external entity (XXE)", XXE, "refused: it declares entities in its DOCTYPE"),
    ("external parameter entity", PARAMETER_XXE, "refused: it declares entities in its DOCTYPE"),
    ("not XML at all", b"Dear editor, please find my story attached.", "not XML"),
    ("empty file", b"", "not XML"),
    ("another XML format", b"<rss><channel/></rss>", "not NITF: the root element is <rss>"),
]


@pytest.mark.parametrize(("label", "data", "message"), HOSTILE_FILES, ids=[row[0] for row in HOSTILE_FILES])
def test_unusable_file_is_a_format_error(label, data, message):
    with pytest.raises(FormatError, match=message) as raised:
        read(data)

    assert str(raised.value).startswith("story.xml: ")
    assert "root:" not in str(raised.value)  # nothing from /etc/passwd


def test_file_over_the_size_limit_is_a_format_error(monkeypatch):
    monkeypatch.setattr(nitf, "MAX_FILE_BYTES", 1000)

    with pytest.raises(FormatError, match="larger than 1,000 bytes"):
        read(document(content="<p>" + "word " * 300 + "</p>"))


HOSTILE_DOCUMENTS = [
    ("headline of 2,000 characters", document(headline="A" * 2000), "headline is 2,000 characters long"),
    ("body over 5 MB", document(content="<p>" + "word " * (1024 * 1024 + 1) + "</p>"), "the limit is 5,242,880"),
    ("unreadable date", document(dates='<date.issue norm="next Tuesday"/>'), "date.issue/@norm: not an ISO 8601"),
    (
        "unreadable dateline date",
        document(body_head='<dateline><story.date norm="2024-13-45"/></dateline>'),
        "story.date/@norm: not an ISO 8601",
    ),
]


@pytest.mark.parametrize(("label", "data", "reason"), HOSTILE_DOCUMENTS, ids=[row[0] for row in HOSTILE_DOCUMENTS])
def test_bad_document_is_a_record_error(label, data, reason):
    [result] = read(data)

    assert isinstance(result, RecordError)
    assert result.location == "story.xml"
    assert reason in result.reason
    assert len(result.reason) < 300  # the hostile value is never echoed whole


HOSTILE_BODIES = [
    (
        "script and event handlers",
        '<p onclick="steal()">Hi<script>alert(1)</script></p><img src="x" onerror="alert(2)"/>',
        "<p>Hi</p>",
    ),
    ("script link", '<p><a href="javascript:alert(1)">Click</a> here.</p>', "<p>Click here.</p>"),
    ("data link", '<p><a href="data:text/html,x">Click</a></p>', "<p>Click</p>"),
    ("HTML markup written as text", "<p>&lt;script&gt;x&lt;/script&gt;</p>", "<p>&lt;script&gt;x&lt;/script&gt;</p>"),
    ("styling is not kept", '<p style="color:red">Red <font color="red">text</font></p>', "<p>Red text</p>"),
]


@pytest.mark.parametrize(("label", "content", "body"), HOSTILE_BODIES, ids=[row[0] for row in HOSTILE_BODIES])
def test_hostile_body_markup_is_dropped(label, content, body):
    assert one(document(content=content)).body_html == body


BODIES = [
    ("whole document", document(content="<p>One.</p>"), "<p>One.</p>"),
    ("loose body elements", "<p>One.</p><block><p>Two.</p></block>", "<p>One.</p><p>Two.</p>"),
    ("body.content", "<body.content><p>One.</p></body.content>", "<p>One.</p>"),
    ("with a declaration", '<?xml version="1.0" encoding="UTF-8"?><p>Caf&eacute;</p>', "<p>Café</p>"),
    ("document after a comment", "<!-- from the wire -->" + document(content="<p>One.</p>"), "<p>One.</p>"),
]


@pytest.mark.parametrize(("label", "markup", "body"), BODIES, ids=[row[0] for row in BODIES])
def test_body_from_nitf_reads_a_document_or_its_body_elements(label, markup, body):
    assert nitf.body_from_nitf(markup) == (body, [])


def test_body_from_nitf_gives_the_quotes_too():
    body, quotes = nitf.body_from_nitf('<p><q quote-source="Ana Ruiz">Soon</q>, she said.</p>')

    assert body == "<p>“Soon”, she said.</p>"
    assert quotes == [QuoteRecord(text="Soon", speaker="Ana Ruiz")]


@pytest.mark.django_db
def test_command_imports_a_story_with_its_picture_and_quotes_and_the_second_run_changes_nothing(tmp_path):
    write_jpeg(tmp_path / "photos" / "ferry.jpg")
    path = tmp_path / "ferry.xml"
    path.write_text(STORY, encoding="utf-8")

    first, stderr, error = run(path, "--status", "published")

    assert error is None, stderr
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in first
    article = Article.objects.get()
    assert (article.import_origin, article.import_id) == ("nitf:Coastal Wire", "cw-20240506-ferry")
    assert (article.status, article.section.name) == ("published", "City")
    assert article.byline == "Maria Okafor and Tom Reyes"
    lead = article.images.get(is_lead=True)
    assert lead.image
    assert (lead.caption, lead.credit) == ("The morning ferry leaves the quay.", "Jane Doe/Coastal Wire")
    assert sorted(article.quotes.values_list("source__name", "text")) == [
        ("Ana Ruiz", "Every ten minutes from Monday"),
        ("Commuter Lena Berg", "We waited years for this."),
    ]

    second, _, error = run(path, "--status", "published")

    assert error is None and "0 created, 0 updated, 1 unchanged, 0 failed" in second


@pytest.mark.django_db
def test_command_refuses_a_picture_path_leading_out_of_the_images_folder(tmp_path):
    path = tmp_path / "story.xml"
    path.write_text(document(content=picture("../../etc/passwd")), encoding="utf-8")

    _, stderr, error = run(path)

    assert error is not None and error.returncode == 1
    assert "images[0].file '../../etc/passwd' is outside the images folder" in stderr
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_command_withdraws_the_story_a_kill_notice_cancels(tmp_path):
    write_jpeg(tmp_path / "photos" / "ferry.jpg")
    (tmp_path / "ferry.xml").write_text(STORY, encoding="utf-8")
    run(tmp_path / "ferry.xml", "--status", "published")
    kill = document(
        doc_id="cw-kill-1",
        docdata='management-status="canceled" management-doc-idref="cw-20240506-ferry"',
        headline="KILL: Ferry timetable changes on Monday",
        content="<p>Editors: the story has been withdrawn. Do not use.</p>",
    ).replace("<doc-id ", '<doc-id regsrc="Coastal Wire" ', 1)
    (tmp_path / "kill.xml").write_text(kill, encoding="utf-8")

    stdout, stderr, error = run(tmp_path / "kill.xml")

    assert error is None, stderr
    assert "0 created, 1 updated" in stdout
    article = Article.objects.get()
    assert article.status == Article.Status.WITHDRAWN
    assert not Article.objects.live().exists()
