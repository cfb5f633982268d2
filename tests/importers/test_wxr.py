import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from articles.importers import wxr
from articles.importers.records import FormatError, ImageRecord, QuoteRecord, RecordError
from tests.importers.hostile_xml import entity_bomb, external_entity

FIXTURES = Path(__file__).parent / "fixtures" / "wxr"

EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><link>https://site.example</link>{items}</channel></rss>"""

POST = """<item><title><![CDATA[{title}]]></title><content:encoded><![CDATA[{content}]]></content:encoded>
<wp:post_id>{post_id}</wp:post_id><wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>{extra}</item>"""


def post(title="A headline", content="Body.", *, post_id=1, status="publish", extra=""):
    return POST.format(title=title, content=content, post_id=post_id, status=status, extra=extra)


def export(*items):
    return EXPORT.format(items="".join(items)).encode()


def read(data, *, name="export.xml", origin=None):
    return list(wxr.parse(io.BytesIO(data), name=name, origin=origin))


def read_fixture(filename, **options):
    with open(FIXTURES / filename, "rb") as stream:
        return list(wxr.parse(stream, name=filename, **options))


def by_id(results):
    return {result.external_id: result for result in results if not isinstance(result, RecordError)}


def test_classic_post_from_a_wxr_1_1_export():
    story = by_id(read_fixture("export-1.1.xml"))["101"]

    assert story.origin == "wxr:http://gazette.example.com"
    assert story.location == "export-1.1.xml: item 1"
    assert story.headline == "Fish & chips shop wins award"
    assert story.slug == "fish-chips-shop-wins-award"
    assert story.standfirst == "A family business beats forty rivals."
    assert story.section == "Food & Drink"  # "Uncategorized" is WordPress's "no category"
    assert story.tags == ["awards"]
    assert [byline.name for byline in story.bylines] == ["Maria Okafor"]
    assert (story.status, story.restricted) == ("published", False)
    assert story.published_at == datetime(2024, 5, 6, 7, 0, tzinfo=UTC)


def test_classic_content_gets_paragraphs_and_line_breaks_back():
    story = by_id(read_fixture("export-1.1.xml"))["101"]

    assert story.body_html.startswith(
        '<p>The quayside chip shop won the regional award on Sunday.<br>\nIts owner was "delighted".</p>'
    )
    assert "<p>The judges praised the batter [sic] and the view.</p>" in story.body_html


def test_shortcodes_are_dropped_keeping_their_content():
    body = by_id(read_fixture("export-1.1.xml"))["101"].body_html

    assert "[dropcap]" not in body and "[contact-form" not in body and "[caption" not in body
    assert "The judges" in body


def test_caption_shortcode_with_caption_attribute_becomes_an_image():
    story = by_id(read_fixture("export-1.1.xml"))["101"]

    assert story.images == [
        ImageRecord(
            url="http://gazette.example.com/wp-content/uploads/2024/05/chips.jpg",  # the attachment's original
            caption="The owner & her staff outside the shop",
            alt_text="A woman in an apron beside a chip-shop counter",  # the tag's alt was empty
        )
    ]


def test_caption_shortcode_with_caption_text_inside_a_link_becomes_an_image():
    story = by_id(read_fixture("export-1.2-https.xml"))["201"]
    bridge = story.images[1]

    assert bridge == ImageRecord(
        url="https://www.harbour-gazette.example/wp-content/uploads/bridge.jpg",
        caption="Morning traffic on the reopened bridge",
        alt_text="Cars crossing a steel bridge",  # the tag's own alt wins over the media library's
    )
    assert "<a href" not in story.body_html


def test_blockquote_with_cite_becomes_a_quote_and_stays_in_the_body():
    story = by_id(read_fixture("export-1.1.xml"))["101"]

    assert story.quotes == [QuoteRecord(text="Best chips on the coast, no question.", speaker="Head judge Sam Patel")]
    assert "<blockquote>" in story.body_html


def test_post_from_a_wxr_1_2_export_with_https_namespaces():
    story = by_id(read_fixture("export-1.2-https.xml"))["201"]

    assert story.origin == "wxr:https://www.harbour-gazette.example"
    assert story.headline == "Bridge finally reopens"  # markup stripped from the title
    assert story.slug == "bridge-reopens-été"
    assert story.section == "City"
    assert story.tags == ["bridge", "traffic"]
    assert [byline.name for byline in story.bylines] == ["Tom Reyes"]
    assert story.updated_at == datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
    assert story.quotes == [QuoteRecord(text="We are relieved it is finally done.", speaker="Ana Ruiz")]


def test_featured_image_leads_and_gallery_pictures_follow():
    story = by_id(read_fixture("export-1.2-https.xml"))["201"]

    assert [(image.url.rsplit("/", 1)[-1], image.lead) for image in story.images] == [
        ("harbour-at-dawn.jpg", True),
        ("bridge.jpg", False),
        ("stage.jpg", False),
    ]
    assert story.images[0].caption == "The harbour at dawn"
    assert story.images[0].alt_text == "Fishing boats moored in calm water"


def test_block_editor_post_keeps_its_paragraphs_and_gives_figures_and_pull_quotes():
    story = by_id(read_fixture("export-1.2-https.xml"))["203"]

    assert story.body_html == (
        "<p>The summer festival returns in August.</p>\n"
        "<figure><blockquote><p>It will be the biggest festival yet.</p>"
        "<cite>Festival director Lena Berg</cite></blockquote></figure>"
    )
    assert story.images == [
        ImageRecord(
            url="https://www.harbour-gazette.example/wp-content/uploads/stage.jpg",
            caption="The main stage, built on the quay",
            alt_text="A wooden stage on a quay",
        )
    ]
    assert story.quotes == [
        QuoteRecord(text="It will be the biggest festival yet.", speaker="Festival director Lena Berg", pull=True)
    ]


STATUSES = [
    ("export-1.1.xml", "101", "published", False, datetime(2024, 5, 6, 7, 0, tzinfo=UTC)),
    ("export-1.1.xml", "102", "draft", False, None),  # 0000-00-00 00:00:00
    ("export-1.1.xml", "103", "draft", True, datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),  # private
    ("export-1.1.xml", "104", "draft", False, None),  # pending
    ("export-1.2-https.xml", "202", "draft", True, datetime(2024, 5, 2, 12, 0, tzinfo=UTC)),  # password
    ("export-1.2-https.xml", "203", "published", False, datetime(2030, 1, 1, 9, 0, tzinfo=UTC)),  # future
]


@pytest.mark.parametrize(("filename", "post_id", "status", "restricted", "published_at"), STATUSES)
def test_wordpress_status_maps_to_status_restriction_and_time(filename, post_id, status, restricted, published_at):
    story = by_id(read_fixture(filename))[post_id]

    assert (story.status, story.restricted, story.published_at) == (status, restricted, published_at)


def test_trash_pages_and_attachments_give_no_records():
    ids = set(by_id(read_fixture("export-1.1.xml")))

    assert ids == {"101", "102", "103", "104"}  # not 105 (trash), 106 (page) or 201 (attachment)


def test_author_without_a_wp_author_entry_keeps_the_login():
    assert by_id(read_fixture("export-1.1.xml"))["104"].bylines[0].name == "ghostwriter"


def test_post_without_title_is_a_record_error_and_parsing_carries_on():
    results = read_fixture("export-1.2-https.xml")

    assert RecordError("export-1.2-https.xml: item 5", "post 205 has no title") in results
    assert "204" in by_id(results)


def test_pubdate_stands_in_when_the_export_has_no_gmt_date():
    story = by_id(read_fixture("export-1.2-https.xml"))["204"]

    assert story.published_at == datetime(2024, 5, 10, 13, 30, tzinfo=UTC)


def test_bidi_overrides_are_stripped_from_titles():
    assert by_id(read_fixture("export-1.2-https.xml"))["204"].headline == "Ferry news update"


ENTITIES = [
    ("escaped once in XML", "<title>Fish &amp;amp; chips</title>", "Fish & chips"),
    ("escaped in CDATA", "<title><![CDATA[Fish &amp; chips]]></title>", "Fish & chips"),
    ("escaped twice by a plugin", "<title><![CDATA[Fish &amp;amp; chips]]></title>", "Fish &amp; chips"),
    ("numeric reference", "<title>Ruiz&#8217;s bridge</title>", "Ruiz’s bridge"),
]


@pytest.mark.parametrize(("label", "title", "headline"), ENTITIES, ids=[row[0] for row in ENTITIES])
def test_title_entities_are_unescaped_exactly_once(label, title, headline):
    item = f"<item>{title}<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item>"

    assert read(export(item))[0].headline == headline


def test_origin_comes_from_the_channel_link_without_base_blog_url_and_can_be_given():
    assert read(export(post()))[0].origin == "wxr:https://site.example"
    assert read(export(post()), origin="old-site")[0].origin == "old-site"


def test_malformed_file_is_recovered_after_an_error_saying_so():
    error, survivor, broken = read_fixture("malformed.xml")

    assert error.location == "malformed.xml"
    assert error.reason.startswith("not well-formed XML (Opening and ending tag mismatch")
    assert "recovered" in error.reason
    assert (survivor.headline, survivor.status, survivor.body_html) == (
        "Survives the damage",
        "published",
        "<p>First story.</p>",
    )
    assert broken.headline == "Broken item"


def test_file_cut_off_mid_item_still_gives_what_came_before():
    data = export(post(post_id=1), post(post_id=2))
    error, *stories = read(data[: data.index(b"<wp:post_id>2")])

    assert "not well-formed XML" in error.reason
    assert [story.external_id for story in stories] == ["1"]


def test_undeclared_namespace_prefix_is_recovered_by_its_written_name():
    data = export(post(content="Recovered body.")).replace(
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"', b""
    )

    error, story = read(data)

    assert "not well-formed XML" in error.reason
    assert story.body_html == "<p>Recovered body.</p>"


def test_latin1_export_is_read_through_its_declaration():
    data = (
        export(post(title="Café")).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(b"\xc3\xa9", b"\xe9")
    )

    assert read(data)[0].headline == "Café"


def test_stream_that_cannot_seek_is_read_all_the_same():
    class Pipe(io.BytesIO):
        def seekable(self):
            return False

    assert [story.external_id for story in wxr.parse(Pipe(export(post())), name="-")] == ["1"]


def test_each_channel_child_is_discarded_once_read():
    stream = io.BytesIO(export(*(post(post_id=number) for number in range(50))))

    earlier = [element.getprevious() for element in wxr._channel(stream, name="export.xml", recover=False)]

    assert len(earlier) == 51 and set(earlier) == {None}  # the link and 50 items, each gone before the next


AUTOP = [
    ("blank lines make paragraphs", "One\n\nTwo", "<p>One</p>\n<p>Two</p>"),
    ("single newlines make breaks", "One\ntwo", "<p>One<br>\ntwo</p>"),
    ("existing breaks are not doubled", "One<br />\ntwo", "<p>One<br>\ntwo</p>"),
    ("CR-free runs of blank lines", "One\n \n\n\nTwo", "<p>One</p>\n<p>Two</p>"),
    ("block HTML is left alone", "<ul>\n<li>a</li>\n</ul>", "<ul>\n<li>a</li>\n</ul>"),
    (
        "text around a block",
        "Before<blockquote>Q</blockquote>after",
        "<p>Before</p>\n<blockquote>Q</blockquote>\n<p>after</p>",
    ),
    ("pre is untouched", "<pre>a\n\nb\nc</pre>", "<pre>a\n\nb\nc</pre>"),
    ("existing paragraphs are kept", "<p>One</p>\n\nTwo", "<p>One</p>\n<p>Two</p>"),
    ("inline markup starts a paragraph", "<em>One</em> two", "<p><em>One</em> two</p>"),
]


@pytest.mark.parametrize(("label", "content", "html"), AUTOP, ids=[row[0] for row in AUTOP])
def test_autop_restores_paragraphs_like_wordpress(label, content, html):
    assert wxr.autop(content) == html


SHORTCODES = [
    ("enclosing", "[dropcap]T[/dropcap]he", "The"),
    ("with attributes", 'Listen: [audio src="a.mp3"]', "Listen: "),
    ("self-closing", "Form: [contact-form /]", "Form: "),
    ("well-known without attributes", "[embed]https://video.example/1[/embed]", "https://video.example/1"),
    ("editorial brackets stay", "the batter [sic] and [the mayor]", "the batter [sic] and [the mayor]"),
    ("footnote markers stay", "as reported [1]", "as reported [1]"),
]


@pytest.mark.parametrize(("label", "content", "text"), SHORTCODES, ids=[row[0] for row in SHORTCODES])
def test_unknown_shortcodes_are_dropped_keeping_their_content(label, content, text):
    assert wxr._drop_shortcodes(content) == text


ITEM = b"""<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><title>%s</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item>
</channel></rss>"""
BILLION_LAUGHS = entity_bomb(b"rss", ITEM % b"&lol9;")
XXE = external_entity(b"rss", ITEM % b"Leak: &secret;")

HOSTILE_FILES = [
    ("billion laughs", BILLION_LAUGHS, "declares a DTD"),
    ("external entity (XXE)", XXE, "declares a DTD"),
    ("external entity in a damaged file", XXE.replace(b"</channel>", b""), "declares a DTD"),
    ("not XML at all", b"Dear editor, please find my story attached.", "not XML"),
    ("JSON in an .xml file", b'{"uri": "urn:x"}', "not XML"),
    ("empty file", b"", "not XML"),
    ("another XML format", b"<nitf><head/></nitf>", "the root element is <nitf>"),
    ("plain RSS feed", b"<rss><channel><item><title>Hi</title></item></channel></rss>", "not a WordPress export"),
]


@pytest.mark.parametrize(("label", "data", "message"), HOSTILE_FILES, ids=[row[0] for row in HOSTILE_FILES])
def test_unusable_file_is_a_format_error(label, data, message):
    with pytest.raises(FormatError, match=message) as raised:
        read(data)

    assert "root:" not in str(raised.value)  # nothing from /etc/passwd


HOSTILE_POSTS = [
    ("headline of 1 MB", post(title="A" * 1024 * 1024), "headline is 1,048,576 characters long"),
    ("body over 5 MB", post(content="word " * (1024 * 1024 + 1)), "the limit is 5,242,880"),
    ("missing post id", post().replace("<wp:post_id>1</wp:post_id>", ""), "missing wp:post_id"),
]


@pytest.mark.parametrize(("label", "item", "reason"), HOSTILE_POSTS, ids=[row[0] for row in HOSTILE_POSTS])
def test_bad_post_is_a_record_error(label, item, reason):
    [result] = read(export(item))

    assert isinstance(result, RecordError)
    assert result.location == "export.xml: item 1"
    assert reason in result.reason


def test_body_markup_is_sanitised():
    [story] = read(
        export(post(content='<p onclick="x()">Hi<script>alert(1)</script></p><iframe src="https://x"></iframe>'))
    )

    assert story.body_html == "<p>Hi</p>"
