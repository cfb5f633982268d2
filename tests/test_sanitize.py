from articles.sanitize import clean_html

WORD_PASTE = """
<!--StartFragment--><p class=MsoNormal style='margin-bottom:0cm;line-height:normal'><b><span
style='font-size:12.0pt;font-family:"Times New Roman",serif;mso-fareast-font-family:"Times New Roman"'>Council
votes</span></b><span style='font-size:12.0pt'> on the budget<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]>
<span style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;</span></span><![endif]>Item</p>
<!--EndFragment-->
"""

GOOGLE_DOCS_PASTE = (
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1234">'
    '<p dir="ltr" style="line-height:1.38;margin-top:0pt;"><span style="font-size:11pt;font-family:Arial;'
    'color:#000000;background-color:transparent;font-weight:700;">Bold lead</span><span style="font-size:11pt;">'
    " and text</span></p></b>"
)


def test_word_paste_keeps_text_and_emphasis_and_drops_office_markup():
    html = clean_html(WORD_PASTE)

    assert "<b>" in html and "Council" in html and "on the budget" in html
    for office in ("MsoNormal", "mso-", "style=", "<o:p>", "<span", "StartFragment", "class="):
        assert office not in html


def test_google_docs_paste_keeps_paragraphs_without_styles_or_ids():
    html = clean_html(GOOGLE_DOCS_PASTE)

    assert "<p>" in html and "Bold lead" in html and "and text" in html
    for junk in ("style=", "docs-internal-guid", "<meta", "dir=", "<span"):
        assert junk not in html


def test_links_keep_only_safe_schemes_and_get_rel_noopener():
    html = clean_html(
        '<a href="https://example.org/x" onclick="x()">ok</a> <a href="javascript:alert(1)">bad</a>'
        ' <a href="data:text/html,hi">data</a>'
    )

    assert '<a href="https://example.org/x" rel="noopener noreferrer">ok</a>' in html
    assert "javascript:" not in html and "data:" not in html and "onclick" not in html


def test_empty_input_is_empty():
    assert clean_html("") == ""
    assert clean_html(None) == ""
