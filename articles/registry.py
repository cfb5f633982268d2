"""
The source registry: the speakers the quote extractor finds, matched to the newsroom's Sources.

``match_sources(speakers)`` takes a batch of extracted speakers (anything with ``name``,
``role``, ``organisation`` and ``kind``, such as ``articles.quotes.Source``) and returns one
``Source`` per speaker, in the same order: an existing one when the speaker matches it,
otherwise a new one. The whole batch costs two queries, whatever its size: one SELECT of
the candidates and one INSERT of the sources nothing matched.

How a speaker matches a source
------------------------------
Names are compared by their *key*: accents, case, punctuation, extra spaces, a leading
"the" and leading honorifics (Mr, Ms, Dr, Prof, Sen, ...) are ignored, so "Ms Lindqvist",
"MS. LINDQVIST" and "Ms Lindqvíst" share the key ``lindqvist``. A speaker matches, in this
order of preference,

1. a source whose name has the same key;
2. a source with an alias (one per line in ``Source.aliases``) of the same key;
3. for a speaker that is an organisation, an organisation source whose ``organisation``
   field has the same key.

A person's organisation tells namesakes apart: when both the speaker and a candidate give
one and they don't agree (neither key's words include the other's), the candidate is
passed over, and a duplicate is the worst that can happen — the desk merges duplicates,
but nobody can untangle two people's quotes wrongly filed together.

Confidential sources are never matched. Extraction reads the story's public text, so a
speaker it finds is named, or described, in public; tying that speaker to a confidential
source would either file a named quote under an anonymous label or tell readers who the
label stands for. In particular a speaker described as "a senior official" never becomes
the confidential source whose public label that is. Editors attach confidential sources
by hand in the story's quote list, and re-extraction keeps what they attached.

The candidate query
-------------------
Keys can't be computed by the database (it has no portable way to strip accents), so the
query narrows the table down and Python compares keys. Each speaker contributes its
longest key word, written as an accent-, case- and apostrophe-tolerant regular expression
("gomez" also finds "Gómez" and "GOMEZ"); one SELECT fetches every non-confidential source
whose name, aliases or organisation contains one of those words.
"""

import functools
import re
import unicodedata
from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from .cache import invalidate_pages
from .importers.records import html_to_text
from .models import Article, Quote, Source
from .models.sources import link_consulted
from .search import index_on_commit

HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame lord lady rev revd reverend fr "
    "sen rep gov gen col capt lt sgt insp det supt cllr hon rt".split()
)
ORGANISATION_KINDS = frozenset({Source.Kind.ORGANISATION})

_APOSTROPHES_AND_DOTS = re.compile(r"[.'’ʼ`´]")
_NOT_WORD = re.compile(r"[^\w]+")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figcaption|pre|td|th|div)\s*>|<br\s*/?>", re.IGNORECASE)
# The characters the database may store where a key has a plain letter, and the marks it may put between them.
_LATIN_RANGES = [(0x00C0, 0x024F), (0x1E00, 0x1EFF)]
_BETWEEN_LETTERS = "['’.]?"
# Names of a batch are prefiltered in chunks so that no single regular expression grows unbounded.
PREFILTER_CHUNK = 100


@functools.lru_cache(maxsize=8192)  # an import asks for the same few thousand names over and over
def name_key(name):
    """
    ``name`` as sources are matched on: without accents, case, punctuation, extra
    spaces, a leading "the" or leading honorifics. "Dr. José  Gómez" → "jose gomez".
    """
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(character for character in decomposed if not unicodedata.combining(character))
    words = _NOT_WORD.sub(" ", _APOSTROPHES_AND_DOTS.sub("", bare).lower()).replace("_", " ").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[0] in HONORIFICS:
        words = words[1:]
    return " ".join(words)


def display_name(name, kind):
    """The name a new source gets: a person's without leading honorifics, an organisation's without "the"."""
    words = (name or "").split()
    if kind == Source.Kind.PERSON:
        while len(words) > 1 and name_key(words[0]) in HONORIFICS:
            words = words[1:]
    elif len(words) > 1 and words[0].lower() == "the":
        words = words[1:]
    return " ".join(words)[: Source._meta.get_field("name").max_length]


def organisations_agree(ours, theirs):
    """Two organisation keys name the same body when either is empty or one's words include the other's."""
    if not ours or not theirs:
        return True
    ours, theirs = set(ours.split()), set(theirs.split())
    return ours <= theirs or theirs <= ours


@functools.cache
def _variants():
    """Each plain lower-case letter → every Latin letter (either case) that loses its accents to it."""
    variants = defaultdict(set)
    for low, high in _LATIN_RANGES:
        for code in range(low, high + 1):
            character = chr(code)
            base = "".join(c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c))
            if len(base) == 1 and base.isascii() and base.isalpha():
                variants[base.lower()].update({character, character.lower(), character.upper()})
    return {letter: "".join(sorted(chars)) for letter, chars in variants.items()}


def _tolerant_pattern(word):
    """A regular expression finding ``word`` (a key word) however the database accents, cases or punctuates it."""
    parts = []
    for character in word:
        variants = _variants().get(character)
        if variants:
            parts.append(f"[{re.escape(character)}{character.upper()}{variants}]")
        else:
            parts.append(re.escape(character))
    return _BETWEEN_LETTERS.join(parts)


def _anchor(key):
    """The key's most telling word (the longest; the last of equals): a surname, an organisation's noun."""
    return max(reversed(key.split()), key=len)


def _candidates(keys):
    """Non-confidential sources whose name, aliases or organisation contain any key's anchor word: one query."""
    anchors = sorted({_anchor(key) for key in keys if key})
    if not anchors:
        return []
    condition = Q()
    for start in range(0, len(anchors), PREFILTER_CHUNK):
        pattern = "(" + "|".join(_tolerant_pattern(word) for word in anchors[start : start + PREFILTER_CHUNK]) + ")"
        condition |= Q(name__iregex=pattern) | Q(aliases__iregex=pattern) | Q(organisation__iregex=pattern)
    return list(Source.objects.filter(condition, confidential=False).order_by("pk"))


def _organisation(source):
    return name_key(source.organisation)


class _Index:
    """The candidates by name key, alias key and (organisations only) organisation key."""

    def __init__(self, sources):
        self.by_name, self.by_alias, self.by_organisation = defaultdict(list), defaultdict(list), defaultdict(list)
        for source in sources:
            self.add(source)

    def add(self, source):
        self.by_name[name_key(source.name)].append(source)
        for alias in source.alias_list:
            self.by_alias[name_key(alias)].append(source)
        if source.kind in ORGANISATION_KINDS and source.organisation:
            self.by_organisation[name_key(source.organisation)].append(source)

    def find(self, key, organisation_key, kind):
        tiers = [self.by_name.get(key, []), self.by_alias.get(key, [])]
        if kind in ORGANISATION_KINDS:
            tiers.append(self.by_organisation.get(key, []))
        for tier in tiers:
            if kind not in ORGANISATION_KINDS:
                # A person's organisation tells namesakes apart (an organisation's own says nothing).
                tier = [source for source in tier if organisations_agree(organisation_key, _organisation(source))]
            if tier:
                # The same organisation beats one that is merely compatible (unknown on one side).
                exact = [source for source in tier if _organisation(source) == organisation_key]
                return (exact or tier)[0]
        return None


def match_sources(speakers):
    """
    One ``Source`` per speaker in ``speakers`` (in order; None for a speaker without a name),
    matched as the module docstring says, the missing ones created together. Two queries.
    """
    wanted = [(speaker, name_key(speaker.name)) for speaker in speakers]
    known, created = _Index(_candidates(key for _, key in wanted)), _Index([])
    found, new = [], []
    for speaker, key in wanted:
        if not key:
            found.append(None)
            continue
        kind = speaker.kind if speaker.kind in Source.Kind.values else Source.Kind.PERSON
        organisation_key = name_key(speaker.organisation)
        # Namesakes within the batch share one new source under the same rules.
        source = known.find(key, organisation_key, kind) or created.find(key, organisation_key, kind)
        if source is None:
            source = Source(
                name=display_name(speaker.name, kind),
                kind=kind,
                role=(speaker.role or "")[:200],
                organisation=(speaker.organisation or "")[:200],
            )
            created.add(source)
            new.append(source)
        found.append(source)
    if new:
        Source.objects.bulk_create(new)
    return found


def merge_sources(survivor, others):
    """
    Fold ``others`` into ``survivor``: every quote moves to it in one UPDATE, and every story
    that consulted or quoted one of them consults it instead; their names and aliases join its
    aliases (each name once, whatever its accents or case), contact details it lacks are taken
    from them and their contact notes appended to its own; then they are deleted; the public
    pages and the search index catch up on commit. Returns the number of quotes moved. Who may
    merge what is the caller's business.
    """
    others = [source for source in others if source.pk != survivor.pk]
    if not others:
        return 0
    with transaction.atomic():
        stories = list(Quote.objects.filter(source__in=others).values_list("article_id", flat=True).distinct())
        consulting = set(Article.objects.filter(sources__in=others).values_list("pk", flat=True))
        link_consulted((story, survivor.pk) for story in sorted(consulting.union(stories)))
        moved = Quote.objects.filter(source__in=others).update(source=survivor)
        aliases, seen = survivor.alias_list, {name_key(survivor.name)}
        seen.update(name_key(alias) for alias in aliases)
        for other in others:
            for name in [other.name, *other.alias_list]:
                if name_key(name) not in seen:
                    seen.add(name_key(name))
                    aliases.append(name)
            for name_ in ("role", "organisation", "email", "phone"):
                if not getattr(survivor, name_) and getattr(other, name_):
                    setattr(survivor, name_, getattr(other, name_))
            if other.contact_notes.strip():
                survivor.contact_notes = "\n\n".join(
                    part for part in (survivor.contact_notes.strip(), other.contact_notes.strip()) if part
                )
        survivor.aliases = "\n".join(aliases)
        survivor.save()
        Source.objects.filter(pk__in=[other.pk for other in others]).delete()
        invalidate_pages()
        index_on_commit(stories)  # their quotes now carry the survivor's public name
    return moved


# Quotes for a story


def story_text(body_html):
    """A story's body as the extractor reads it: tags stripped, one paragraph per block, blank lines between."""
    blocks = (html_to_text(block) for block in _BLOCK_END.split(body_html or ""))
    return "\n\n".join(block for block in blocks if block)


def _tidy(text):
    """The quoted words as stored: a trailing comma (the attribution's, inside the marks) dropped."""
    return text.strip().rstrip(",").rstrip()


def attach_quotes(article, extraction, *, replace=True):
    """
    Quote rows for ``article`` from an ``articles.quotes.Extraction``, in story order.

    Quotes nobody is named for are left out (a quote needs a source). With ``replace``
    the article's quotes are replaced; otherwise the new ones follow them, and a quote
    whose text the article already has is not added twice. A new quote with the same
    text as an old one keeps the editor's work on it: its pull-quote flag, its context
    and, when an editor filed it under a confidential source, that source. The speakers
    join the story's sources consulted; sources it no longer quotes stay there. Returns the
    quotes created. A constant number of queries; the public pages and the story's search
    entry catch up on commit.
    """
    quoted = sorted(
        (quote for quote in extraction.quotes if quote.speaker and _tidy(quote.text)), key=lambda quote: quote.start
    )
    described = {source.name: source for source in extraction.sources}
    speakers = [described.get(quote.speaker, _SpeakerOf(quote)) for quote in quoted]
    with transaction.atomic():
        existing = {quote.text: quote for quote in article.quotes.select_related("source").order_by("-position")}
        sources = match_sources(speakers)
        if replace:
            article.quotes.all().delete()
            start = 0
        else:
            quoted_sources = [(q, s) for q, s in zip(quoted, sources, strict=True) if _tidy(q.text) not in existing]
            quoted, sources = [q for q, _ in quoted_sources], [s for _, s in quoted_sources]
            start = max((quote.position for quote in existing.values()), default=-1) + 1
        rows = []
        for position, (quote, source) in enumerate(zip(quoted, sources, strict=True), start=start):
            text = _tidy(quote.text)
            old = existing.get(text)
            if old is not None and old.source.confidential:
                source = old.source
            rows.append(
                Quote(
                    article=article,
                    source=source,
                    text=text,
                    position=position,
                    is_pull_quote=old.is_pull_quote if old else False,
                    context=old.context if old else "",
                )
            )
        created = Quote.objects.bulk_create(rows)
        link_consulted((article.pk, source) for source in {row.source_id for row in rows})  # quoted means consulted
        invalidate_pages()
        index_on_commit([article.pk])
    return created


class _SpeakerOf:
    """A quote's speaker, for a quote whose speaker the extraction's source list lacks."""

    def __init__(self, quote):
        self.name, self.role, self.organisation, self.kind = quote.speaker, quote.role, quote.organisation, quote.kind


def reextract(article, by=None):
    """
    Read the story's quotes again from its body text, match their speakers to the
    registry, replace the story's quotes (keeping the editors' pull-quote flags,
    contexts and confidential attributions), record a revision and, once committed,
    empty the public page cache. Returns the quotes created.
    """
    from .quotes import extract  # the extractor is only needed here, not to match or attach

    extraction = extract(story_text(article.body))
    with transaction.atomic():
        created = attach_quotes(article, extraction, replace=True)
        article.record_revision(by, comment=f"Quotes extracted again from the story: {len(created)} found")
        invalidate_pages()
    return created
