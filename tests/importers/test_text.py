import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from articles.importers import text
from articles.importers.records import FormatError, ImageRecord, RecordError

FIXTURES = Path(__file__).parent / "fixtures" / "text"

STORY = "First paragraph of the story.\n\nSecond paragraph.\n"


def read(data, *, name="story.txt"):
    return list(text.parse(io.BytesIO(data), name=name))


def read_fixture(filename, *, name=None):
    with open(FIXTURES / filename, "rb") as stream:
        return list(text.parse(stream, name=name or filename))


def story_with(block, body=STORY):
    return f"Headline\n\n{block}\n\n{body}".encode()


def test_story_with_image_block_gives_headline_picture_and_paragraphs():
    [story] = read_fixture("bridge-reopens.txt")

    assert story.headline == "Harbour bridge reopens after six-month repair"
    assert story.external_id == "bridge-reopens.txt"
    assert story.origin == "text"
    assert story.images == [
        ImageRecord(
            file="bridge-reopens.jpg",
            caption="Workers remove scaffolding from the harbour bridge at dawn",
            credit="Jane Doe/City Herald",
            alt_text="Workers remove scaffolding from the harbour bridge at dawn",
            lead=True,
        )
    ]
    assert story.body_html == (
        "<p>The harbour bridge reopened to traffic on Monday after six months of repairs, "
        "a week ahead of schedule.</p>"
        '<p>"We are relieved it is finally done," said Mayor Ana Ruiz.</p>'
        "<p>Tolls stay suspended until June (the council will review them then).</p>"
    )


def test_crlf_bom_trailing_spaces_and_blank_line_runs_make_no_difference():
    raw = (FIXTURES / "bridge-reopens.txt").read_bytes()
    tidy = b"\n".join(line.rstrip() for line in raw.removeprefix(b"\xef\xbb\xbf").split(b"\r\n"))

    [story] = read_fixture("bridge-reopens.txt")
    [tidied] = read(tidy.replace(b"\n\n\n", b"\n\n"), name="bridge-reopens.txt")

    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n\r\n\r\n" in raw and b"  \r\n" in raw
    assert (tidied.headline, tidied.body_html) == (story.headline, story.body_html)
    assert replace(tidied.images[0], file=story.images[0].file) == story.images[0]


def test_alt_text_line_never_becomes_a_paragraph():
    [story] = read_fixture("bridge-reopens.txt")

    assert "Workers remove scaffolding" not in story.body_html


def test_picture_file_is_given_relative_to_the_story_name():
    [story] = read_fixture("bridge-reopens.txt", name="2024/05/bridge-reopens.txt")

    assert story.external_id == "2024/05/bridge-reopens.txt"
    assert story.images[0].file == "2024/05/bridge-reopens.jpg"


def test_story_without_image_block_keeps_a_first_paragraph_ending_in_parentheses():
    [story] = read_fixture("council-budget.txt")

    assert story.images == []
    assert story.body_html.startswith(
        "<p>Councillors approved next year's harbour budget on Tuesday night (with amendments)</p>"
    )
    assert story.body_html.count("<p>") == 3


def test_image_block_without_a_picture_beside_the_file_has_no_file():
    [story] = read(story_with("Workers at dawn (Jane Doe/City Herald)"))

    assert story.images == [ImageRecord(caption="Workers at dawn", credit="Jane Doe/City Herald", lead=True)]


def test_picture_beside_a_story_without_image_block_is_still_its_lead(tmp_path):
    shutil.copy(FIXTURES / "council-budget.txt", tmp_path / "budget.txt")
    (tmp_path / "budget.PNG").write_bytes(b"not opened by the parser")

    with open(tmp_path / "budget.txt", "rb") as stream:
        [story] = text.parse(stream, name="budget.txt")

    assert story.images == [ImageRecord(file="budget.PNG", lead=True)]


IMAGE_BLOCKS = [
    ("caption and credit with a slash", "Workers at dawn (Jane Doe/City Herald)", False, "Jane Doe/City Herald"),
    ("credit naming a photo", "Workers at dawn (Photo: Jane Doe)", False, "Photo: Jane Doe"),
    ("handout credit", "The new ferry (Harbour Authority handout)", False, "Harbour Authority handout"),
    ("getty credit", "Crowds on the quay (Getty Images)", False, "Getty Images"),
    ("copyright sign", "Crowds on the quay (© Jane Doe)", False, "© Jane Doe"),
    ("credit on its own line", "Workers at dawn\n(Jane Doe/City Herald)", False, "Jane Doe/City Herald"),
    ("alt, caption, credit lines", " Scaffolding\nWorkers at dawn\n(Jane Doe/Reuters)", False, "Jane Doe/Reuters"),
    ("agency backed by a repeated caption", "Workers at dawn\nWorkers at dawn (Reuters)", False, "Reuters"),
    ("name backed by a repeated caption", "  Workers at dawn.\nWorkers at dawn (Ana Ruiz)", False, "Ana Ruiz"),
    ("name backed by a picture beside the file", "Workers at dawn (Luis de la Cruz)", True, "Luis de la Cruz"),
    ("caption with its own parentheses", "Ana Ruiz (left) at the bridge (Jane Doe/AP)", False, "Jane Doe/AP"),
]


@pytest.mark.parametrize(("label", "block", "picture", "credit"), IMAGE_BLOCKS, ids=[row[0] for row in IMAGE_BLOCKS])
def test_image_block_is_recognised(label, block, picture, credit):
    image = text._image_block([block.splitlines(), ["Story."]], has_picture=picture)

    assert image is not None
    assert image.credit == credit


NOT_IMAGE_BLOCKS = [
    ("aside in parentheses", "The council approved the budget (with amendments)", False),
    ("year in parentheses", "Turnout was the highest since the referendum (1998)", False),
    ("lower-case aside", "The mayor answered questions (in French)", False),
    ("paragraph ending in a bare agency", "Port traffic rose for a third year, officials said (Reuters)", False),
    ("paragraph ending in a bare name", "The prize went to the longest-serving member (Ana Ruiz)", False),
    ("ends in a sentence, not a credit", "The bridge reopened on Monday (see map).", False),
    ("four lines", "One\nTwo\nThree\nFour (Jane Doe/AP)", False),
    ("two lines before the caption", "An alt line\nAnother line\nCaption\n(Jane Doe/AP)", False),
    ("caption too long", "x" * 401 + " (Jane Doe/AP)", False),
    ("credit too long", "Caption (" + "Jane Doe/" * 10 + ")", False),
    ("empty caption", "(Jane Doe/AP)", False),
]


@pytest.mark.parametrize(("label", "block", "picture"), NOT_IMAGE_BLOCKS, ids=[row[0] for row in NOT_IMAGE_BLOCKS])
def test_ordinary_first_paragraph_is_not_taken_for_an_image_block(label, block, picture):
    assert text._image_block([block.splitlines(), ["Story."]], has_picture=picture) is None


def test_block_with_nothing_after_it_is_the_story_not_a_caption():
    [story] = read(b"Headline\n\nWorkers at dawn (Jane Doe/City Herald)\n")

    assert story.images == []
    assert story.body_html == "<p>Workers at dawn (Jane Doe/City Herald)</p>"


def test_headline_followed_directly_by_text_splits_at_the_first_line():
    [story] = read(b"Headline\nFirst paragraph.\n\nSecond.\n")

    assert story.headline == "Headline"
    assert story.body_html == "<p>First paragraph.</p><p>Second.</p>"


def test_lines_of_one_paragraph_are_joined_and_markup_is_escaped():
    [story] = read(b"Headline\n\nA <script>alert(1)</script> &amp;\nwrapped line.\n")

    assert story.body_html == "<p>A &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; wrapped line.</p>"


def test_headline_loses_bidi_overrides_and_extra_whitespace():
    [story] = read("  Ferry \u202enews\u202c   update \u2066x\u2069\r\n\r\nBody.".encode())

    assert story.headline == "Ferry news update x"


def test_parser_extracts_no_quotes():
    [story] = read_fixture("bridge-reopens.txt")

    assert story.quotes == [] and story.sources == []


def test_not_utf8_is_a_format_error():
    with pytest.raises(FormatError, match=r"story.txt: not UTF-8 text \(invalid byte at offset 13\)"):
        read("Headline\n\nCaf\u00e9".encode("latin-1") + b"\xff")


HOSTILE_STORIES = [
    ("empty file", b"", "the file is empty"),
    ("only blank lines", b"\r\n  \r\n\t\n", "the file is empty"),
    ("headline of 1 MB", b"H" * 1024 * 1024 + b"\n\nBody.", "headline is 1,048,576 characters long"),
    ("file over 5 MB", b"Headline\n\n" + b"word " * (1024 * 1024 + 1), "larger than 5,242,880 bytes"),
    ("headline of bidi controls only", "\u202e\u202d\n\nBody.".encode(), "missing headline"),
]


@pytest.mark.parametrize(("label", "data", "reason"), HOSTILE_STORIES, ids=[row[0] for row in HOSTILE_STORIES])
def test_unreadable_story_is_a_record_error(label, data, reason):
    [result] = read(data)

    assert isinstance(result, RecordError)
    assert result.location == "story.txt"
    assert reason in result.reason
