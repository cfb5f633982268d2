"""Behaviour of the quote extractor (articles.quotes) and the extract_quotes command, on small examples."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.quotes import DOCUMENT, GROUP, ORGANISATION, PERSON, extract

GOLD = Path(__file__).parent / "quotes_gold"


def only_quote(text):
    extraction = extract(text)
    assert len(extraction.quotes) == 1, extraction.quotes
    return extraction.quotes[0]


def speakers(text):
    return [quote.speaker for quote in extract(text).quotes]


# --------------------------------------------------------------------------- quote marks and offsets


def test_offsets_point_at_quoted_words():
    text = 'Headline\n\n"We will appeal," said Tom Reyes. He added: “It is not over.”'
    for quote in extract(text).quotes:
        assert text[quote.start : quote.end] == quote.text
    assert [q.text for q in extract(text).quotes] == ["We will appeal,", "It is not over."]


def test_quote_text_excludes_marks_and_keeps_inner_punctuation():
    assert only_quote("“Why now?” asked Ann Lee.").text == "Why now?"


def test_straight_and_curly_quotes_mixed_in_one_story():
    text = '"Yes," said Ann Lee.\n\n“No,” said Tom Hale.\n\n‘Maybe,’ said Sam Cole.'
    assert [(q.text, q.speaker) for q in extract(text).quotes] == [
        ("Yes,", "Ann Lee"),
        ("No,", "Tom Hale"),
        ("Maybe,", "Sam Cole"),
    ]


def test_apostrophes_are_not_quote_marks():
    text = "‘We don’t forget the ’90s, or the Lindqvists’ old shop,’ said Ann Lee."
    assert only_quote(text).text == "We don’t forget the ’90s, or the Lindqvists’ old shop,"


def test_straight_single_quotes_with_apostrophes_inside():
    text = "Tony Pascoe said: 'They're closing the town's history.'"
    assert only_quote(text).text == "They're closing the town's history."


def test_nested_quote_stays_inside_the_outer_quote():
    text = "“She told me ‘go home’ and I did,” said Tom Birch."
    assert only_quote(text).text == "She told me ‘go home’ and I did,"


def test_quote_of_several_sentences_is_one_quote():
    quote = only_quote('Ann Lee said: "We tried. We failed. We will try again."')
    assert quote.text == "We tried. We failed. We will try again."
    assert quote.speaker == "Ann Lee"


# --------------------------------------------------------------------------- attribution patterns


def test_said_after_name_attributes_quote():
    assert only_quote('"The wall is moving," Reyes said.').speaker == "Reyes"


def test_said_before_name_attributes_quote():
    assert only_quote('"The wall is moving," said Tom Reyes.').speaker == "Tom Reyes"


def test_colon_after_reporting_verb_introduces_quote():
    assert only_quote('Judge Amelia Ford said: "That is a grave breach of trust."').speaker == "Amelia Ford"


def test_reporting_verb_without_colon_introduces_quote():
    assert only_quote('Raymond Fisk said "nobody on Front Street asked for this" on Monday.').speaker == (
        "Raymond Fisk"
    )


def test_according_to_attributes_quote():
    text = 'The surge was "the highest we have ever recorded," according to the Environment Agency.'
    assert only_quote(text).speaker == "Environment Agency"


def test_told_reporters_attributes_quote():
    assert only_quote('"Nobody should pretend this is easy," Lindqvist told reporters.').speaker == "Lindqvist"


def test_told_a_broadcaster_attributes_to_the_speaker_not_the_broadcaster():
    assert only_quote('Helen Marsh told the BBC: "We needed to change it."').speaker == "Helen Marsh"


def test_wrote_attributes_quote():
    assert only_quote('"This behaviour will not be tolerated," Andrew Mbeki wrote.').speaker == "Andrew Mbeki"


def test_present_tense_says_attributes_quote():
    assert only_quote('"I would do it again," says Pat Kerr, 54.').speaker == "Pat Kerr"


def test_said_adding_keeps_the_speaker():
    text = 'Fiona Grant said the firm would cut prices, adding that it had been "too slow to react".'
    assert only_quote(text).speaker == "Fiona Grant"


def test_participle_takes_the_subject_of_its_clause():
    text = 'The deal collapsed after Sen. Mark Dalby withdrew his support, saying it was "loaded with pet projects."'
    assert only_quote(text).speaker == "Mark Dalby"


def test_attribution_in_the_middle_gives_two_quotes_with_one_speaker():
    text = 'Ann Lee runs the shop. "First part," she said. "Second part."'
    assert [(q.text, q.speaker) for q in extract(text).quotes] == [
        ("First part,", "Ann Lee"),
        ("Second part.", "Ann Lee"),
    ]


def test_attribution_splitting_one_sentence():
    text = 'Ann Lee runs the shop. "The problem," she said, "is money."'
    assert speakers(text) == ["Ann Lee", "Ann Lee"]


def test_many_reporting_verbs_are_recognised():
    for verb in ("insisted", "warned", "tweeted", "conceded", "joked", "cautioned", "predicted", "urged", "recalled"):
        assert only_quote(f'"We will be fine," Ann Lee {verb}.').speaker == "Ann Lee", verb


def test_passive_told_does_not_make_the_hearer_the_speaker():
    text = 'Ann Lee was told by the council that the path was "being monitored closely".'
    assert only_quote(text).speaker != "Ann Lee"


# --------------------------------------------------------------------------- continuation paragraphs


def test_continuation_paragraph_keeps_speaker():
    text = (
        'Detective Inspector Sarah Kaplan said: "This was a violent attack.\n\n'
        '"We would urge anyone who saw it to call us."\n\n'
        "Police also named the victim."
    )
    quotes = extract(text).quotes
    assert [q.text for q in quotes] == ["This was a violent attack.", "We would urge anyone who saw it to call us."]
    assert [q.speaker for q in quotes] == ["Sarah Kaplan", "Sarah Kaplan"]


def test_unattributed_quote_paragraph_continues_the_previous_speaker():
    text = '"One minute I was swimming," Grace Holloway said.\n\n"The next I was being dragged out."'
    assert speakers(text) == ["Grace Holloway", "Grace Holloway"]


# --------------------------------------------------------------------------- partial quotes and non-quotes


def test_partial_quote_goes_to_subject_of_reporting_verb():
    text = 'The minister argued the closures were needed "to keep the network safe" this winter.'
    quote = only_quote(text)
    assert (quote.text, quote.speaker, quote.partial) == ("to keep the network safe", "minister", True)


def test_short_partial_quote_with_a_reporting_verb_is_a_quote():
    quote = only_quote('Dr Helen Achebe said the recovery was "almost certainly" linked to the ban.')
    assert (quote.text, quote.speaker) == ("almost certainly", "Helen Achebe")


def test_scare_quotes_are_not_quotes():
    assert extract('Critics attacked the so-called "reforms" at the meeting.').quotes == []
    assert extract('The "consultation" lasted two weeks.').quotes == []


def test_titles_of_works_are_not_quotes():
    text = 'The festival opened with "Blue Harbour", and the report "Tides of Change" was on sale.'
    assert extract(text).quotes == []


def test_nicknames_are_not_quotes():
    assert extract('Former champion Eddie "The Hammer" Cole has died.').quotes == []


def test_names_introduced_by_called_are_not_quotes():
    assert extract('Residents formed a group called "Save Our Port" last year.').quotes == []


def test_unattributed_quote_has_no_speaker():
    quote = only_quote('"It was a long night."')
    assert (quote.speaker, quote.role, quote.kind) == (None, None, None)


# --------------------------------------------------------------------------- speakers and references


def test_honorific_is_stripped_and_surname_resolves_to_full_name():
    text = 'Maria Lindqvist visited the port.\n\n"It is a quick job," Ms Lindqvist said.'
    assert only_quote(text).speaker == "Maria Lindqvist"


def test_title_is_stripped_and_becomes_the_role():
    quote = only_quote('Sen. Mark Dalby, R-Ohio, said: "The bill is dead."')
    assert (quote.speaker, quote.role) == ("Mark Dalby", "senator")


def test_pronoun_resolves_to_last_named_speaker():
    text = 'Tom Reyes said the port would close.\n\n"It breaks my heart," he said.'
    assert only_quote(text).speaker == "Tom Reyes"


def test_pronoun_skips_a_person_of_the_other_gender():
    text = 'Ms Ann Lee met Mr Tom Hale on Monday. "It went well," she said.'
    assert only_quote(text).speaker == "Ann Lee"


def test_pronoun_prefers_the_speaker_of_its_paragraph_over_a_passing_mention():
    text = 'Ann Lee said the decision was made by Tom Hale. "It was his call," she said.'
    assert only_quote(text).speaker == "Ann Lee"


def test_description_resolves_to_the_person_it_describes():
    text = 'Judge Amelia Ford heard the case.\n\nThe judge said the harm was "grave and lasting".'
    assert only_quote(text).speaker == "Amelia Ford"


def test_age_description_resolves_to_the_latest_person():
    text = 'Rovers striker Jordan Mensah scored. "It was a dive," the 23-year-old said.'
    assert only_quote(text).speaker == "Jordan Mensah"


def test_role_and_organisation_from_apposition():
    quote = only_quote('"It is a quick job," said Maria Lindqvist, a spokeswoman for the Interior Ministry.')
    assert (quote.speaker, quote.role, quote.organisation) == ("Maria Lindqvist", "spokeswoman", "Interior Ministry")


def test_role_and_organisation_from_premodifiers():
    quote = only_quote('Interior Ministry spokeswoman Maria Lindqvist said: "It is a quick job."')
    assert (quote.speaker, quote.role, quote.organisation) == ("Maria Lindqvist", "spokeswoman", "Interior Ministry")


def test_role_and_organisation_from_of_phrase():
    quote = only_quote('"We cannot gamble," said Tom Reyes, chief executive of Eastmouth Port Authority.')
    assert (quote.role, quote.organisation) == ("chief executive", "Eastmouth Port Authority")


def test_role_before_name_after_possessive():
    quote = only_quote('His widow, Ruth Hallam, said: "He never came home."')
    assert (quote.speaker, quote.role) == ("Ruth Hallam", "widow")


def test_organisation_speaker_loses_its_article():
    quote = only_quote('"Stay away from the river," the Environment Agency said.')
    assert (quote.speaker, quote.kind) == ("Environment Agency", ORGANISATION)


def test_generic_reference_resolves_to_the_named_organisation():
    text = 'The Environment Agency issued warnings. "Be ready to leave," the agency said.'
    assert only_quote(text).speaker == "Environment Agency"


def test_statement_from_an_organisation_is_the_organisation():
    text = 'A statement from the council said: "Public safety is our priority."'
    quote = only_quote(text)
    assert (quote.speaker, quote.kind) == ("council", ORGANISATION)


def test_spokesperson_for_an_organisation_is_the_organisation():
    quote = only_quote('A spokesperson for Unison said the union would "fight every redundancy".')
    assert (quote.speaker, quote.kind) == ("Unison", ORGANISATION)


def test_groups_are_sources_of_kind_group():
    quote = only_quote('"We have staff on the ground," local officials said.')
    assert (quote.speaker, quote.kind) == ("local officials", GROUP)


def test_they_resolves_to_the_latest_group():
    text = 'Local officials opened a rest centre. "We have staff on the ground," they said.'
    assert only_quote(text).speaker == "local officials"


def test_documents_are_sources_of_kind_document():
    quote = only_quote('The indictment says he "treated the treasury as his own account".')
    assert (quote.speaker, quote.kind) == ("indictment", DOCUMENT)


def test_unnamed_person_is_named_by_the_noun():
    quote = only_quote('"Even his brother found out late," one friend revealed.')
    assert (quote.speaker, quote.kind) == ("friend", PERSON)


def test_headline_quote_goes_to_the_story_s_source():
    text = '\'I owe my life to a stranger\'\n\n"I was drowning," said Grace Holloway. "He saved me."'
    assert speakers(text) == ["Grace Holloway", "Grace Holloway", "Grace Holloway"]


def test_sources_list_each_speaker_once_in_order_of_first_quote():
    text = '"A," said Ann Lee. "B," said Tom Hale.\n\n"C," Lee said.'
    assert [(s.name, s.kind) for s in extract(text).sources] == [("Ann Lee", PERSON), ("Tom Hale", PERSON)]


def test_empty_story_has_no_quotes():
    extraction = extract("")
    assert (extraction.quotes, extraction.sources) == ([], [])


def test_as_dict_has_the_json_shape():
    data = extract('"Yes," said Ann Lee, a nurse.').as_dict()
    assert data == {
        "quotes": [
            {"text": "Yes,", "start": 1, "end": 5, "speaker": "Ann Lee", "role": "nurse", "organisation": None}
        ],
        "sources": [{"name": "Ann Lee", "role": "nurse", "organisation": None, "kind": "person"}],
    }


def test_offsets_are_exact_on_every_gold_story():
    for path in sorted(GOLD.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for quote in extract(text).quotes:
            assert text[quote.start : quote.end] == quote.text, path.name


def test_gold_annotations_are_consistent():
    stories = sorted(GOLD.glob("*.txt"))
    assert len(stories) >= 30
    for path in stories:
        text = path.read_text(encoding="utf-8")
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        names = {source["name"] for source in gold["sources"]}
        for quote in gold["quotes"]:
            assert text[quote["start"] : quote["end"]] == quote["text"], path.name
            assert quote["speaker"] is None or quote["speaker"] in names, path.name


# --------------------------------------------------------------------------- the command


def test_command_prints_one_json_object_per_file(tmp_path):
    first, second = tmp_path / "one.txt", tmp_path / "two.txt"
    first.write_text('"Yes," said Ann Lee.\r\n\r\n"No," said Tom Hale.\r\n', encoding="utf-8")
    second.write_text("No quotes here.\n", encoding="utf-8")
    out = _run_command(str(first), str(second), "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["file"] for line in lines] == [str(first), str(second)]
    with first.open(encoding="utf-8", newline="") as story:
        raw = story.read()
    assert [(q["text"], q["speaker"]) for q in lines[0]["quotes"]] == [("Yes,", "Ann Lee"), ("No,", "Tom Hale")]
    assert all(raw[q["start"] : q["end"]] == q["text"] for q in lines[0]["quotes"])
    assert [s["name"] for s in lines[0]["sources"]] == ["Ann Lee", "Tom Hale"]
    assert lines[1]["quotes"] == [] and lines[1]["sources"] == []


def test_command_prints_a_readable_listing(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text('"Yes," said Ann Lee, a nurse.', encoding="utf-8")
    out = _run_command(str(story))
    assert str(story) in out
    assert "Ann Lee (nurse): “Yes,”" in out


def test_command_names_a_missing_file(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(CommandError, match=r"missing\.txt: cannot read file"):
        _run_command(str(missing))


def test_command_names_a_file_that_is_not_utf8(tmp_path):
    story = tmp_path / "latin1.txt"
    story.write_bytes('"Caf\xe9," she said.'.encode("latin-1"))
    with pytest.raises(CommandError, match=r"latin1\.txt: not UTF-8"):
        _run_command(str(story))


def _run_command(*args):
    from io import StringIO

    out = StringIO()
    call_command("extract_quotes", *args, stdout=out)
    return out.getvalue()


def test_accented_names_are_names():
    extraction = extract("“The rates will rise,” said Dr. José Gómez, an economist at the University of Eastmouth.")

    quote = extraction.quotes[0]
    assert (quote.speaker, quote.role, quote.organisation) == ("José Gómez", "economist", "University of Eastmouth")
