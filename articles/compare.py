"""
Readable differences between two saved versions of a story, for the desk.

Text fields are compared paragraph by paragraph, side by side, with the
words that changed marked; bylines, tags, photos and quotes are listed as
what was added and what was removed.
"""

import difflib
import re

from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)


def paragraphs(html):
    """The body's text, one line per paragraph, for a diff people can read."""
    return [line for line in (strip_tags(block).strip() for block in BLOCK_END.split(html or "")) if line]


def side_by_side(old_lines, new_lines, old_label, new_label):
    table = difflib.HtmlDiff(wrapcolumn=60).make_table(
        old_lines, new_lines, fromdesc=old_label, todesc=new_label, context=False
    )
    return mark_safe(table)  # HtmlDiff escapes the text it is given


def _set_change(label, old_items, new_items):
    old_items, new_items = set(old_items), set(new_items)
    return {
        "label": label,
        "added": sorted(new_items - old_items),
        "removed": sorted(old_items - new_items),
    }


def revisions(old, new):
    """The changes from revision data ``old`` to ``new``: text tables and lists of what came and went."""
    old_label, new_label = "Before", "After"
    text = [
        {
            "label": label,
            "changed": old.get(key) != new.get(key),
            "table": side_by_side(lines(old.get(key, "")), lines(new.get(key, "")), old_label, new_label),
        }
        for label, key, lines in [
            ("Headline", "headline", lambda value: [value]),
            ("Standfirst", "standfirst", lambda value: [value]),
            ("Body", "body", paragraphs),
        ]
    ]
    lists = [
        _set_change("Section", [old.get("section", "")], [new.get("section", "")]),
        _set_change("Tags", old.get("tags", []), new.get("tags", [])),
        _set_change(
            "Bylines",
            [f"{b['author']} ({b['role']})" for b in old.get("bylines", [])],
            [f"{b['author']} ({b['role']})" for b in new.get("bylines", [])],
        ),
        _set_change(
            "Photos",
            [f"{i['caption']} — {i['credit']}" for i in old.get("images", [])],
            [f"{i['caption']} — {i['credit']}" for i in new.get("images", [])],
        ),
        _set_change("Quotes", [q["text"] for q in old.get("quotes", [])], [q["text"] for q in new.get("quotes", [])]),
    ]
    return {"text": text, "lists": [change for change in lists if change["added"] or change["removed"]]}
