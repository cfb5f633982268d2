"""
WordPress export files (WXR 1.0–1.2, with http:// or https:// namespaces).

Each post (``wp:post_type`` post) becomes an ``ArticleRecord``:

* ``wp:post_id`` is the external id; the origin is "wxr:" + the site's address
  (``wp:base_blog_url``, else the channel's ``link``);
* ``title`` is the headline (tags stripped, entities unescaped once), ``wp:post_name``
  the slug, ``excerpt:encoded`` the standfirst;
* ``content:encoded`` is the body: ``[caption]`` shortcodes (caption as text after the
  ``<img>`` or as a ``caption="..."`` attribute, possibly inside an ``<a>``), ``[gallery]``
  shortcodes, Gutenberg ``<figure>``s and bare ``<img>``s become ``ImageRecord``s; other
  shortcodes are dropped keeping their inner text; classic content gets its paragraphs
  back the way WordPress's ``wpautop`` would; ``<blockquote>``s with a ``<cite>`` become
  ``QuoteRecord``s (they also stay in the body);
* the featured image (``_thumbnail_id``) is the lead; attachments supply url, caption
  (their excerpt) and alt text (``_wp_attachment_image_alt``);
* the first category other than "Uncategorized" is the section; ``post_tag``s are tags;
  ``dc:creator`` is the byline, under the author's display name from ``wp:author``;
* publish → published; future → published at its future time; draft, pending →
  draft; private or a ``wp:post_password`` → draft and restricted; trash → skipped.
  ``post_date_gmt`` is the publication time (``0000-00-00 00:00:00`` means none).

The file is read in two streaming passes (lxml ``iterparse``, each element cleared
once read), so memory stays flat however big the export: the first pass collects the
site's address, authors and attachments, the second yields the posts. The parser
refuses DTDs (WordPress never writes one, and they carry entity-expansion and
external-entity attacks), resolves no entities and never touches the network. A file
that is not well-formed is read in lxml's recover mode: a ``RecordError`` says so, then
whatever could be recovered follows.
"""

import re
import shutil
import tempfile
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import escape
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from .records import (
    DASHES,
    QUOTE_MARKS,
    ArticleRecord,
    BylineRecord,
    FormatError,
    ImageRecord,
    InvalidRecord,
    QuoteRecord,
    RecordError,
    check_body_size,
    clean_body,
    headline_text,
    html_to_text,
    is_web_url,
    one_line,
)

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/[\d.]+/?$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/[\d.]+/excerpt/?$")
OTHER_NAMESPACES = {"http://purl.org/rss/1.0/modules/content/": "content", "http://purl.org/dc/elements/1.1/": "dc"}

WORDPRESS_STATUS = {
    "publish": ("published", False),
    "future": ("published", False),
    "draft": ("draft", False),
    "pending": ("draft", False),
    "auto-draft": ("draft", False),
    "private": ("draft", True),
}
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")

CAPTION = re.compile(r"\[(?:wp_)?caption\b(?P<attributes>[^\]]*)\](?P<inner>.*?)\[/(?:wp_)?caption\]", re.S | re.I)
GALLERY = re.compile(r"\[gallery\b(?P<attributes>[^\]]*)\]", re.I)
SHORTCODE = re.compile(r"\[(?P<closing>/?)(?P<name>[a-zA-Z][\w-]*)(?P<attributes>[^\[\]]*?)(?P<self_closing>/?)\]")
SHORTCODE_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
# Shortcodes recognised even without a closing tag or attributes; any other [word] (such as
# "[sic]" or "[the mayor]" in a quote) is only a shortcode when it has one of those.
KNOWN_SHORTCODES = {
    "audio",
    "button",
    "contact-form",
    "contact_form",
    "embed",
    "gallery",
    "playlist",
    "soundcloud",
    "video",
    "vimeo",
    "youtube",
}

BLOCK_TAGS = (
    "address|article|aside|blockquote|caption|col|colgroup|dd|details|div|dl|dt|fieldset|figcaption|figure|"
    "footer|form|h[1-6]|header|hgroup|hr|iframe|legend|li|math|menu|nav|ol|p|pre|section|style|summary|table|"
    "tbody|td|tfoot|th|thead|tr|ul"
)
BLOCK_START = re.compile(rf"(<(?:{BLOCK_TAGS})\b[^>]*>)", re.I)
BLOCK_END = re.compile(rf"(</(?:{BLOCK_TAGS})\s*>)", re.I)
STARTS_WITH_BLOCK = re.compile(rf"^(?:<!--|</?(?:{BLOCK_TAGS})\b)", re.I)
PRE = re.compile(r"<pre\b.*?</pre\s*>", re.S | re.I)
PRE_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")  # NUL cannot occur in XML text, so it cannot clash
BLANK_LINE = re.compile(r"\n\s*\n")
LINE_BREAK = re.compile(r"<br\s*/?>\s*\n|\s*\n\s*", re.I)

BLOCK_COMMENT = re.compile(r"<!-- /?wp:.*?-->")
BLANK_LINES_BETWEEN_TAGS = re.compile(r">\n(?:[ \t]*\n)+<")

HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", no_network=True)


def parse(stream, *, name, origin=None):
    """
    Yield an ``ArticleRecord`` per post in the export ``stream`` (binary) and a ``RecordError`` per bad one.

    ``origin`` defaults to "wxr:" + the site's address. Raises ``FormatError`` when the
    file is not XML, declares a DTD, or is not a WordPress export.
    """
    stream = _rewindable(stream)
    start = stream.tell()
    site = _index(stream, name=name)
    stream.seek(start)
    if site.damage:
        yield RecordError(
            name, f"not well-formed XML ({site.damage}); the posts below were recovered from it and may be incomplete"
        )
    number = 0
    for element in _channel(stream, name=name, recover=bool(site.damage)):
        if _short_name(element.tag) != "item":
            continue
        number += 1
        location = f"{name}: item {number}"
        try:
            record = _article(_Item.read(element), site=site, origin=origin or site.origin, location=location)
        except InvalidRecord as problem:
            yield RecordError(location, str(problem))
            continue
        if record is not None:
            yield record


@dataclass
class _Site:
    """What the first pass learns about the export: its address, authors and pictures."""

    origin: str = "wxr"
    authors: dict[str, str] = field(default_factory=dict)
    attachments: dict[str, ImageRecord] = field(default_factory=dict)
    damage: str = ""


@dataclass
class _Item:
    """One ``<item>``: its simple fields by prefixed name ("wp:status"), its categories and its post meta."""

    fields: dict[str, str] = field(default_factory=dict)
    categories: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, element):
        """The ``_Item`` for an ``<item>`` element; comments on the post are left out."""
        item = cls()
        for child in element:
            key = _short_name(child.tag)
            if key == "category":
                item.categories.append((child.get("domain", ""), child.get("nicename", ""), _text(child)))
            elif key == "wp:postmeta":
                parts = {_short_name(part.tag): _text(part) for part in child}
                item.meta.setdefault(parts.get("wp:meta_key", "").strip(), parts.get("wp:meta_value", "").strip())
            elif key and key != "wp:comment":
                item.fields.setdefault(key, _text(child))
        return item

    def get(self, key):
        return self.fields.get(key, "").strip()


def _rewindable(stream):
    """``stream`` when it can seek; otherwise a temporary copy that can (kept in memory up to 16 MB)."""
    if stream.seekable():
        return stream
    copy = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


def _index(stream, *, name):
    """
    First pass: the site's facts, read strictly, or else in recover mode, noting the damage.

    Raises ``FormatError`` when not even recover mode finds an XML document in the file.
    """
    start = stream.tell()
    try:
        return _read_index(stream, name=name, recover=False)
    except etree.XMLSyntaxError as problem:
        damage = problem.msg
    stream.seek(start)
    try:
        site = _read_index(stream, name=name, recover=True)
    except etree.XMLSyntaxError:
        raise FormatError(name, f"not XML: {damage}") from None
    site.damage = damage
    return site


def _read_index(stream, *, name, recover):
    """The site's address, authors (login → display name) and picture attachments (id → image)."""
    site = _Site()
    address = ""
    for element in _channel(stream, name=name, recover=recover):
        kind = _short_name(element.tag)
        if kind == "wp:base_blog_url" or (kind == "link" and not address):
            address = _text(element).strip()
        elif kind == "wp:author":
            parts = {_short_name(part.tag): _text(part).strip() for part in element}
            login = parts.get("wp:author_login", "")
            site.authors[login] = one_line(parts.get("wp:author_display_name", "")) or login
        elif kind == "item" and _child_text(element, "wp:post_type") == "attachment":
            item = _Item.read(element)
            picture = _attachment(item)
            if picture:
                site.attachments[item.get("wp:post_id")] = picture
    if address:
        site.origin = f"wxr:{address.rstrip('/')}"
    return site


def _channel(stream, *, name, recover):
    """
    Each child element of ``<rss><channel>``, complete, then cleared so the tree never grows.

    Raises ``FormatError`` when the file has no root element, declares a DTD or is not a
    WordPress export, and lets lxml's ``XMLSyntaxError`` through when it is not well-formed.
    """
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        recover=recover,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    root = None
    for event, element in events:
        if event == "start":
            depth += 1
            if root is None:
                root = element
                _check_root(root, name=name)
            continue
        depth -= 1
        parent = element.getparent()
        if depth == 2 and parent is not None and _short_name(parent.tag) == "channel":
            yield element
            element.clear()
            parent.remove(element)
    if root is None:
        raise FormatError(name, "not XML: no root element")


def _check_root(root, *, name):
    """``FormatError`` unless the document is a DTD-free ``<rss>`` in the WordPress export namespace."""
    if root.getroottree().docinfo.doctype:
        raise FormatError(
            name, "refused: the file declares a DTD (<!DOCTYPE>), which WordPress never writes and attacks rely on"
        )
    if _short_name(root.tag) != "rss":
        raise FormatError(name, f"not a WordPress export: the root element is <{_short_name(root.tag)}>")
    if not any(WP_NAMESPACE.match(uri or "") for uri in root.nsmap.values()):
        raise FormatError(name, "an RSS feed, but not a WordPress export (no wordpress.org/export namespace)")


def _short_name(tag):
    """
    ``{http(s)://wordpress.org/export/1.x/}status`` → "wp:status", whatever the export's version and scheme.

    Recover mode leaves a tag with an undeclared prefix as it is written ("wp:status"), which suits.
    """
    if not isinstance(tag, str):
        return ""
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    if WP_NAMESPACE.match(namespace):
        return f"wp:{local}"
    if EXCERPT_NAMESPACE.match(namespace):
        return f"excerpt:{local}"
    prefix = OTHER_NAMESPACES.get(namespace)
    return f"{prefix}:{local}" if prefix else tag


def _text(element):
    return "".join(element.itertext())


def _child_text(element, key):
    return next((_text(child).strip() for child in element if _short_name(child.tag) == key), "")


def _attachment(item):
    """The ``ImageRecord`` an attachment item supplies (url, caption, alt text), or None if it is not a picture."""
    url = item.get("wp:attachment_url") or item.get("guid")
    if not is_web_url(url) or not urlsplit(url).path.lower().endswith(PICTURE_SUFFIXES):
        return None
    return ImageRecord(
        url=url,
        caption=html_to_text(item.get("excerpt:encoded")),
        alt_text=one_line(item.meta.get("_wp_attachment_image_alt", "")),
    )


def _article(item, *, site, origin, location):
    """The ``ArticleRecord`` for one ``<item>``, or None when it is not a post or is in the trash."""
    if item.get("wp:post_type") != "post" or item.get("wp:status") == "trash":
        return None
    post_id = item.get("wp:post_id")
    if not post_id:
        raise InvalidRecord("missing wp:post_id")
    headline = headline_text(html_to_text(item.get("title")))
    if not headline:
        raise InvalidRecord(f"post {post_id} has no title")
    content = item.get("content:encoded")
    check_body_size(content)
    body, images, quotes = _content(content, site.attachments)
    featured = site.attachments.get(item.meta.get("_thumbnail_id", ""))
    if featured:
        images.insert(0, replace(featured, lead=True))
    status, restricted = _status(item)
    creator = item.get("dc:creator")
    return ArticleRecord(
        origin=origin,
        external_id=post_id,
        headline=headline,
        slug=unquote(item.get("wp:post_name")),
        standfirst=html_to_text(item.get("excerpt:encoded")),
        body_html=body,
        section=next(iter(_terms(item, "category")), ""),
        tags=_terms(item, "post_tag"),
        bylines=[BylineRecord(name=site.authors.get(creator) or one_line(creator))] if creator else [],
        status=status,
        restricted=restricted,
        published_at=_published_at(item),
        updated_at=_gmt(item.get("wp:post_modified_gmt")),
        images=_distinct(images),
        quotes=quotes,
        location=location,
    )


def _status(item):
    """(status, restricted): a post with a password is never public, whatever its WordPress status."""
    if item.fields.get("wp:post_password"):
        return "draft", True
    return WORDPRESS_STATUS.get(item.get("wp:status"), (None, False))


def _terms(item, domain):
    """Names of the item's terms in ``domain`` (entities unescaped), without WordPress's default category."""
    names = (
        html_to_text(name)
        for term_domain, nicename, name in item.categories
        if term_domain == domain and not (domain == "category" and nicename == "uncategorized")
    )
    return list(dict.fromkeys(name for name in names if name))


def _published_at(item):
    """``post_date_gmt``; the zero date means "never scheduled". Old exports without the field have ``pubDate``."""
    if "wp:post_date_gmt" in item.fields:
        return _gmt(item.get("wp:post_date_gmt"))
    return _rfc822(item.get("pubDate"))


def _gmt(value):
    """A WordPress "YYYY-MM-DD HH:MM:SS" GMT time; None for "0000-00-00 00:00:00" or an unreadable value."""
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _rfc822(value):
    """An RSS ``pubDate`` such as "Fri, 10 May 2024 15:30:00 +0200"; None if unreadable or without an offset."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _content(content, attachments):
    """(sanitised body HTML, images, quotes) from a post's ``content:encoded``."""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    text, captioned = _take_captions(text, attachments)
    text, gallery = _take_galleries(text, attachments)
    text = _drop_shortcodes(text)
    if "<!-- wp:" in text:  # block-editor content already has its paragraphs
        text = BLOCK_COMMENT.sub("", text)
    else:
        text = autop(text)
    markup, pictures, quotes = _harvest(text, attachments)
    return clean_body(markup), captioned + gallery + pictures, quotes


def _take_captions(text, attachments):
    """The text without its ``[caption]`` shortcodes, and an ``ImageRecord`` for each."""
    images = []

    def take(match):
        attributes = _shortcode_attributes(match["attributes"])
        fragment = _fragment(match["inner"])
        img = fragment.find(".//img")
        attachment = attachments.get(attributes.get("id", "").removeprefix("attachment_"))
        image = _picture(img, attachment or _attachment_for(img, attachments))
        if img is not None:
            img.drop_tree()
        image.caption = (
            html_to_text(attributes.get("caption", "")) or one_line(fragment.text_content()) or image.caption
        )
        images.append(image)
        return "\n\n"

    return CAPTION.sub(take, text), images


def _take_galleries(text, attachments):
    """The text without its ``[gallery]`` shortcodes, and an ``ImageRecord`` per known attachment they list."""
    images = []

    def take(match):
        ids = _shortcode_attributes(match["attributes"]).get("ids", "")
        images.extend(replace(attachments[each]) for each in re.findall(r"\d+", ids) if each in attachments)
        return "\n\n"

    return GALLERY.sub(take, text), images


def _shortcode_attributes(text):
    """``id="attachment_7" caption='A'`` → {"id": "attachment_7", "caption": "A"}."""
    return {
        match[1].lower(): next(value for value in match.groups()[1:] if value is not None)
        for match in SHORTCODE_ATTRIBUTE.finditer(text)
    }


def _drop_shortcodes(text):
    """
    Remove shortcode tags, keeping what they enclose: ``[dropcap]T[/dropcap]he`` → "The".

    A bracketed word counts as a shortcode when it is closed somewhere, has attributes or
    ends in "/", or is a well-known one; "[sic]" and "[the mayor]" in a quote are kept.
    """
    closed = {match["name"].lower() for match in SHORTCODE.finditer(text) if match["closing"]}

    def drop(match):
        name = match["name"].lower()
        is_shortcode = (
            match["closing"]
            or match["self_closing"]
            or "=" in match["attributes"]
            or name in closed
            or name in KNOWN_SHORTCODES
        )
        return "" if is_shortcode else match[0]

    return SHORTCODE.sub(drop, text)


def autop(text):
    """
    Paragraphs for classic WordPress content, as WordPress's ``wpautop`` restores them.

    Text separated by blank lines becomes ``<p>`` paragraphs and single newlines inside
    them ``<br>``; runs that are block-level HTML (lists, tables, blockquotes, headings,
    comments) are left as they are, and ``<pre>`` blocks are not touched at all.
    """
    kept = []

    def keep(match):
        kept.append(match[0])
        return f"\n\n\x00{len(kept) - 1}\x00\n\n"

    text = PRE.sub(keep, text)
    text = BLOCK_START.sub(r"\n\n\1", text)
    text = BLOCK_END.sub(r"\1\n\n", text)
    chunks = []
    for chunk in BLANK_LINE.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if placeholder := PRE_PLACEHOLDER.fullmatch(chunk):
            chunks.append(kept[int(placeholder[1])])
        elif STARTS_WITH_BLOCK.match(chunk):
            chunks.append(chunk)
        else:
            lines = LINE_BREAK.sub("<br>\n", chunk)
            chunks.append(f"<p>{lines}</p>")
    return "\n".join(chunks)


def _fragment(markup):
    """An HTML fragment parsed into a ``<div>`` (lenient, like a browser; nothing fetched)."""
    return lxml.html.fragment_fromstring(markup.encode(), create_parent="div", parser=HTML_PARSER)


def _harvest(markup, attachments):
    """
    Take the pictures out of body HTML as ``ImageRecord``s, and read its cited blockquotes as quotes.

    A picture inside a ``<figure>`` takes the figure (and its ``<figcaption>``, the
    caption) with it; one inside a link takes the link. Blockquotes stay in the body.
    """
    root = _fragment(markup)
    images = []
    for img in list(root.iter("img")):
        if root not in img.iterancestors():
            continue  # went with an earlier picture's figure
        image = _picture(img, _attachment_for(img, attachments))
        figure = next(img.iterancestors("figure"), None)
        if figure is not None:
            figcaption = figure.find(".//figcaption")
            if figcaption is not None and figcaption.text_content().strip():
                image.caption = one_line(figcaption.text_content())
            figure.drop_tree()
        else:
            link = img.getparent()
            (link if link.tag == "a" and not link.text_content().strip() else img).drop_tree()
        if image.url or image.caption:
            images.append(image)
    quotes = [quote for blockquote in root.iter("blockquote") if (quote := _quote(blockquote))]
    body = escape(root.text or "", quote=False) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    if "<pre" not in body:
        body = BLANK_LINES_BETWEEN_TAGS.sub(">\n<", body)
    return body, images, quotes


def _attachment_for(img, attachments):
    """The attachment an ``<img class="wp-image-123">`` shows, if the export has it."""
    if img is None:
        return None
    number = re.search(r"\bwp-image-(\d+)\b", img.get("class") or "")
    return attachments.get(number[1]) if number else None


def _picture(img, attachment):
    """An ``ImageRecord`` from an ``<img>`` and its attachment: the attachment's original url, the tag's alt first."""
    image = replace(attachment) if attachment else ImageRecord()
    if img is not None:
        source = (img.get("src") or "").strip()
        image.url = image.url or (source if is_web_url(source) else "")
        image.alt_text = one_line(img.get("alt") or "") or image.alt_text
    return image


def _quote(blockquote):
    """A ``QuoteRecord`` for a blockquote with a ``<cite>`` naming the speaker, else None."""
    cites = blockquote.findall(".//cite")
    if not cites:
        return None
    speaker = one_line(cites[-1].text_content()).lstrip(DASHES)
    words = deepcopy(blockquote)
    for cite in words.findall(".//cite"):
        cite.drop_tree()
    text = one_line(words.text_content()).rstrip(DASHES).strip(QUOTE_MARKS)
    if not (speaker and text):
        return None
    classes = " ".join(element.get("class") or "" for element in (blockquote, *blockquote.iterancestors()))
    return QuoteRecord(text=text, speaker=speaker, pull="pullquote" in classes)


def _distinct(images):
    """``images`` without repeats of the same url (a featured picture also shown in the body)."""
    seen = set()
    distinct = []
    for image in images:
        if image.url and image.url in seen:
            continue
        seen.add(image.url)
        distinct.append(image)
    return distinct
