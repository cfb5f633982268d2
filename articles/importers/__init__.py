"""
Parsers for the formats stories can be imported from, and how to tell them apart.

Every module in ``FORMATS`` has ``parse(stream, *, name, origin=None)``, which reads a
binary stream and yields ``ArticleRecord``s and ``RecordError``s (see ``records``):
``jsonl`` (our own), ``text``, ``ninjs`` (IPTC News in JSON), ``wxr`` (WordPress exports)
and ``nitf`` (IPTC NITF 3.x).
``detect_format`` picks the module for a file from its name and first few kilobytes::

    with open(path, "rb") as stream:
        fmt = detect_format(path, stream.read(SNIFF_BYTES))
        stream.seek(0)
        records = FORMATS[fmt].parse(stream, name=relative_path)
"""

import json
import re
from pathlib import PurePath

from . import jsonl, ninjs, nitf, text, wxr
from .records import FormatError

FORMATS = {"jsonl": jsonl, "text": text, "ninjs": ninjs, "wxr": wxr, "nitf": nitf}

# How much of the start of a file ``detect_format`` wants to see.
SNIFF_BYTES = 8 * 1024

NINJS_KEYS = {
    "associations",
    "bodies",
    "body_html",
    "body_text",
    "by",
    "byline",
    "embargoed",
    "embargoedUntil",
    "firstcreated",
    "firstCreated",
    "headline",
    "headlines",
    "pubstatus",
    "pubStatus",
    "renditions",
    "versioncreated",
    "versionCreated",
}
JSON_KEY = re.compile(r'(?<!\\)"([A-Za-z_$][\w$]*)"\s*:')
# A DOCTYPE may carry an internal subset in brackets, full of '>' (entity declarations).
XML_PREAMBLE = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>)", re.S)
ROOT_TAG = re.compile(r"<(?:[\w.-]+:)?([\w.-]+)")
OTHER_XML = {
    "NewsML": "NewsML 1.x is not supported",
    "newsMessage": "NewsML-G2 is not supported yet",
    "newsItem": "NewsML-G2 is not supported yet",
    "packageItem": "NewsML-G2 is not supported yet",
}


class UnknownFormat(FormatError):
    """The file is in none of the formats in ``FORMATS``."""

    def __init__(self, path, reason):
        super().__init__(str(path), reason)
        self.path = path


def detect_format(path, head: bytes) -> str:
    """
    The ``FORMATS`` key for the file at ``path`` whose first bytes are ``head``; ``UnknownFormat`` if none fits.

    By extension first: ``.jsonl``/``.ndjson`` is jsonl unless its objects look like
    ninjs (a ``uri`` or ``guid`` plus ninjs keys), ``.json`` is ninjs, ``.xml`` is wxr
    when the root is ``<rss>`` with the wordpress.org/export namespace and nitf when it
    is ``<nitf>`` (whatever DOCTYPE comes before it), ``.nitf`` is nitf, ``.txt`` is
    text. Without a known extension, JSON and XML content is sniffed the same way.
    """
    suffix = PurePath(path).suffix.lower()
    sample = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    if suffix in (".jsonl", ".ndjson"):
        return "ninjs" if _looks_like_ninjs(sample) else "jsonl"
    if suffix == ".json":
        return "ninjs"
    if suffix == ".nitf":
        return "nitf"
    if suffix == ".txt":
        return "text"
    if suffix == ".xml" or sample.lstrip().startswith("<"):
        return _xml_format(path, sample)
    if sample.lstrip().startswith(("{", "[")):
        if _looks_like_ninjs(sample):
            return "ninjs"
        if '"external_id"' in sample:
            return "jsonl"
    raise UnknownFormat(
        path, f"unknown kind of file ({suffix or 'no extension'}); expected .jsonl, .json, .xml, .nitf or .txt"
    )


def _looks_like_ninjs(sample):
    """True when the first JSON object in ``sample`` has a ``uri``/``guid`` and a ninjs key, and no ``external_id``."""
    first = next((line for line in sample.splitlines() if line.strip()), "").strip().lstrip("[")
    try:
        data = json.loads(first)
    except ValueError:
        data = None
    # A line cut off by the sniff limit, or a pretty-printed document: look for its keys instead.
    keys = set(data) if isinstance(data, dict) else set(JSON_KEY.findall(sample))
    return "external_id" not in keys and bool({"uri", "guid"} & keys) and bool(NINJS_KEYS & keys)


def _xml_format(path, sample):
    """ "wxr" for a WordPress export, "nitf" for NITF; otherwise ``UnknownFormat`` saying what the XML is instead."""
    root = ROOT_TAG.match(sample, _preamble_end(sample))
    if root is None:
        raise UnknownFormat(path, "not XML, or no root element in the first few kilobytes")
    name = root[1]
    if name == "rss" and re.search(r"https?://wordpress\.org/export/", sample):
        return "wxr"
    if name == "rss":
        raise UnknownFormat(path, "an RSS feed, but not a WordPress export (no wordpress.org/export namespace)")
    if name == "nitf":
        return "nitf"
    raise UnknownFormat(path, OTHER_XML.get(name, f"XML with root <{name}>, neither a WordPress export nor NITF"))


def _preamble_end(sample):
    """Where the root element starts: after the XML declaration, comments and any DOCTYPE."""
    position = 0
    while match := XML_PREAMBLE.match(sample, position):
        position = match.end()
    return position + len(sample[position:]) - len(sample[position:].lstrip())
