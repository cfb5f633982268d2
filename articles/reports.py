"""
The sourcing report: whom the newsroom's published stories quote, and how that changes.

``sourcing_report(start, end, section=None, reveal_confidential=False)`` reads the stories
live now and published between ``start`` and ``end`` (dates, both included, in the site's
time zone), in one section or all, and returns a :class:`SourcingReport`. Everything is
counted by the database: six queries, whatever the number of stories, quotes or sources.

The figures
-----------
* **Most quoted sources and organisations**: quotes and stories per source; per
  organisation, the quotes of sources speaking for it (its ``organisation`` field, or an
  organisation source's own name). A confidential source is listed by its public label,
  and left out of the organisations, unless ``reveal_confidential``.
* **Kinds**: the share of quotes by ``Source.kind`` (person, organisation, group, document).
* **Voices**: the share of quotes from officials, experts and other voices, by the rule below.
* **Confidential sources**: their quotes (count, share) and the stories using one.
* **Thin sourcing**: stories with no named source, and with only one. A *named source* is a
  person or organisation that is not confidential; groups ("residents"), documents and
  confidential sources don't count.
* **By month**: all of the above except the rankings, per calendar month of publication.

Voices
------
A voice is derived from words, not stored: editors change it by fixing a source's role.
For a confidential source only its public label is read ("a senior official" → official),
so the figures tell nobody more about it than readers know. For everyone else, the first
rule that applies wins:

1. **official** when
   - the role has an official word (OFFICIAL_WORDS: minister, spokes-, council-, police,
     officer, official, mayor, senator, MP, commissioner, prosecutor, judge, ...) — except a
     company's "chief ... officer" —, so a spokeswoman is official wherever she works;
   - or the role is a leader's (director, chief, chair, head, leader, president, ...) and
     the organisation is a public body (PUBLIC_BODY_WORDS: ministry, department, agency,
     authority, government, council, commission, parliament, police, court, board, ...);
   - or the organisation is the police;
   - or the source is an organisation whose name or organisation has an official or public
     body word ("Environment Agency", "Interior Ministry");
   - or the source is a group named by an official word ("local officials").
2. **expert** when the role has an expert word (EXPERT_WORDS: professor, research-,
   analyst, economist, doctor, medical, scientist, any -ologist, lecturer, academic,
   expert, ...); or the source works at a university, institute, college, laboratory or
   observatory (students excepted); or is such a body; or is a group named by an expert
   word ("economists").
3. **other** — everyone else: residents, business owners, campaigners, fans, documents.

Words match at the start of a word, whatever the case: "spokes" finds "Spokeswoman",
"council" finds "councillor", "research" finds "researcher". The word lists are regular
expressions in the subset SQLite (Python) and PostgreSQL share.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import timezone

from .models import Article, Quote, Source

DEFAULT_DAYS = 90
TOP_ROWS = 15
THIN_STORY_ROWS = 50

OFFICIAL_WORDS = [
    "minister",
    "spokes",
    "council",
    "police",
    "officer",
    "official",
    "mayor",
    "governor",
    "senator",
    "congress",
    "mp",
    "mep",
    "assemblym",
    "commissioner",
    "ambassador",
    "diplomat",
    "prosecutor",
    "judge",
    "magistrate",
    "coroner",
    "sheriff",
    "constable",
    "inspector",
    "superintendent",
    "press secretary",
    "secretary of state",
    "government",
    "ministry",
    "cabinet",
    "regulator",
]
PUBLIC_BODY_WORDS = [
    "ministry",
    "department",
    "agency",
    "authority",
    "government",
    "council",
    "commission",
    "parliament",
    "senate",
    "congress",
    "assembly",
    "police",
    "court",
    "tribunal",
    "inspectorate",
    "board",
    "nhs",
]
LEADER_WORDS = ["director", "chief", "chair", "head", "leader", "president", "administrator"]
# "Chief executive officer" and its kin are officers of companies: official only at a public body (a leader).
CORPORATE_OFFICER = "chief [a-z ]*officer"
EXPERT_WORDS = [
    "professor",
    "research",
    "analyst",
    "economist",
    "doctor",
    "physician",
    "surgeon",
    "medical",
    "clinical",
    "scientist",
    "lecturer",
    "academic",
    "expert",
    "[a-z]*ologist",  # ecologist, epidemiologist, psychologist, ...
    "historian",
    "statistician",
    "fellow",
    "university",
    "institute",
]
EXPERT_BODY_WORDS = ["university", "institute", "college", "laboratory", "observatory"]

# Words start after a non-letter: portable between SQLite's (Python) and PostgreSQL's regular expressions.
_START = "(^|[^a-z])"
NAMED_KINDS = [Source.Kind.PERSON, Source.Kind.ORGANISATION]


class Voice:
    OFFICIAL, EXPERT, OTHER = "official", "expert", "other"
    LABELS = {OFFICIAL: "Officials", EXPERT: "Experts", OTHER: "Other voices"}


def _words(words):
    return _START + "(" + "|".join(word.replace(" ", " +") for word in words) + ")"


def _mentions(field_name, words):
    return Q(**{f"{field_name}__iregex": _words(words)})


def voice_expression(prefix=""):
    """A source's voice as a database expression (``prefix="source__"`` from a quote); the rule is above."""
    role, organisation, name = f"{prefix}role", f"{prefix}organisation", f"{prefix}name"
    label, confidential, kind = f"{prefix}public_label", f"{prefix}confidential", f"{prefix}kind"
    organisation_source = Q(**{kind: Source.Kind.ORGANISATION})
    group_source = Q(**{kind: Source.Kind.GROUP})
    public_body = OFFICIAL_WORDS + PUBLIC_BODY_WORDS

    official = (
        (_mentions(role, OFFICIAL_WORDS) & ~Q(**{f"{role}__iregex": CORPORATE_OFFICER}))
        | (_mentions(role, LEADER_WORDS) & _mentions(organisation, PUBLIC_BODY_WORDS))
        | _mentions(organisation, ["police"])
        | (organisation_source & (_mentions(name, public_body) | _mentions(organisation, public_body)))
        | (group_source & _mentions(name, OFFICIAL_WORDS))
    )
    expert = (
        _mentions(role, EXPERT_WORDS)
        | (_mentions(organisation, EXPERT_BODY_WORDS) & ~_mentions(role, ["student"]))
        | (organisation_source & _mentions(name, EXPERT_BODY_WORDS))
        | (group_source & _mentions(name, EXPERT_WORDS))
    )
    return Case(
        When(Q(**{confidential: True}) & _mentions(label, OFFICIAL_WORDS), then=Value(Voice.OFFICIAL)),
        When(Q(**{confidential: True}) & _mentions(label, EXPERT_WORDS), then=Value(Voice.EXPERT)),
        When(Q(**{confidential: True}), then=Value(Voice.OTHER)),
        When(official, then=Value(Voice.OFFICIAL)),
        When(expert, then=Value(Voice.EXPERT)),
        default=Value(Voice.OTHER),
        output_field=CharField(),
    )


def default_period(today=None):
    """The last ``DEFAULT_DAYS`` days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def months_between(start, end):
    """The first day of every calendar month from ``start``'s to ``end``'s."""
    month = start.replace(day=1)
    months = []
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def share(part, whole):
    """``part`` as a fraction of ``whole`` (0 when there is nothing to share)."""
    return part / whole if whole else 0.0


@dataclass
class Ranked:
    """A row of a ranking: a source or an organisation, with its quotes and stories."""

    label: str
    quotes: int
    stories: int
    share: float
    kind: str = ""
    organisation: str = ""
    confidential: bool = False
    source_id: int | None = None


@dataclass
class Share:
    key: str
    label: str
    count: int
    share: float


@dataclass
class Month:
    month: date
    stories: int = 0
    quotes: int = 0
    confidential_quotes: int = 0
    stories_with_confidential: int = 0
    no_named_source: int = 0
    one_named_source: int = 0
    voices: dict = field(default_factory=lambda: dict.fromkeys(Voice.LABELS, 0))

    @property
    def quotes_per_story(self):
        return share(self.quotes, self.stories)

    @property
    def confidential_share(self):
        return share(self.confidential_quotes, self.quotes)

    @property
    def thin_share(self):
        return share(self.no_named_source + self.one_named_source, self.stories)

    def voice_share(self, voice):
        return share(self.voices[voice], self.quotes)

    @property
    def voice_shares(self):
        return [Share(key, label, self.voices[key], self.voice_share(key)) for key, label in Voice.LABELS.items()]


@dataclass
class SourcingReport:
    start: date
    end: date
    section: object = None
    reveal_confidential: bool = False
    stories: int = 0
    quotes: int = 0
    top_sources: list = field(default_factory=list)
    top_organisations: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    voices: list = field(default_factory=list)
    confidential_quotes: int = 0
    stories_with_confidential: int = 0
    no_named_source: int = 0
    one_named_source: int = 0
    thin_stories: list = field(default_factory=list)
    months: list = field(default_factory=list)

    @property
    def confidential_share(self):
        return share(self.confidential_quotes, self.quotes)

    @property
    def stories_with_confidential_share(self):
        return share(self.stories_with_confidential, self.stories)

    @property
    def no_named_source_share(self):
        return share(self.no_named_source, self.stories)

    @property
    def one_named_source_share(self):
        return share(self.one_named_source, self.stories)


def stories_in(start, end, section=None, now=None):
    """Live stories published from ``start`` to ``end`` (dates, included) in ``section`` (or all)."""
    zone = timezone.get_current_timezone()
    stories = Article.objects.live(now).filter(
        published_at__gte=datetime.combine(start, time.min, tzinfo=zone),
        published_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )
    if section is not None:
        stories = stories.filter(section=section)
    return stories


def _named_sources():
    """Per story (an OuterRef), how many distinct named sources it quotes."""
    named = (
        Quote.objects.filter(article=OuterRef("pk"), source__confidential=False, source__kind__in=NAMED_KINDS)
        .values("article")
        .annotate(count=Count("source", distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(named, output_field=IntegerField()), 0)


def sourcing_report(start, end, section=None, *, reveal_confidential=False, now=None, top=TOP_ROWS):
    """The report for stories live now and published from ``start`` to ``end`` (see the module docstring)."""
    report = SourcingReport(start, end, section, reveal_confidential)
    stories = stories_in(start, end, section, now).annotate(
        named_sources=_named_sources(),
        uses_confidential=Exists(Quote.objects.filter(article=OuterRef("pk"), source__confidential=True)),
    )
    quotes = Quote.objects.filter(article__in=stories_in(start, end, section, now))
    months = {month: Month(month) for month in months_between(start, end)}

    # 1. Stories per month: how many, how thinly sourced, how many lean on a confidential source.
    for row in (
        stories.annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(
            stories=Count("pk"),
            no_named=Count("pk", filter=Q(named_sources=0)),
            one_named=Count("pk", filter=Q(named_sources=1)),
            with_confidential=Count("pk", filter=Q(uses_confidential=True)),
        )
        .order_by("month")
    ):
        month = months.setdefault(_first_day(row["month"]), Month(_first_day(row["month"])))
        month.stories, month.no_named_source, month.one_named_source = (
            row["stories"],
            row["no_named"],
            row["one_named"],
        )
        month.stories_with_confidential = row["with_confidential"]

    # 2. Quotes per month, voice, kind and confidentiality: every share comes from this one query.
    kinds = dict.fromkeys(Source.Kind.values, 0)
    voices = dict.fromkeys(Voice.LABELS, 0)
    for row in (
        quotes.annotate(month=TruncMonth("article__published_at"), voice=voice_expression("source__"))
        .values("month", "voice", "source__kind", "source__confidential")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        month = months.setdefault(_first_day(row["month"]), Month(_first_day(row["month"])))
        count = row["count"]
        month.quotes += count
        month.voices[row["voice"]] += count
        voices[row["voice"]] += count
        kinds[row["source__kind"]] = kinds.get(row["source__kind"], 0) + count
        if row["source__confidential"]:
            month.confidential_quotes += count

    report.months = [months[key] for key in sorted(months)]
    report.stories = sum(month.stories for month in report.months)
    report.quotes = sum(month.quotes for month in report.months)
    report.confidential_quotes = sum(month.confidential_quotes for month in report.months)
    report.stories_with_confidential = sum(month.stories_with_confidential for month in report.months)
    report.no_named_source = sum(month.no_named_source for month in report.months)
    report.one_named_source = sum(month.one_named_source for month in report.months)
    report.voices = [
        Share(key, label, voices[key], share(voices[key], report.quotes)) for key, label in Voice.LABELS.items()
    ]
    labels = dict(Source.Kind.choices)
    report.kinds = [
        Share(key, labels.get(key, key), count, share(count, report.quotes)) for key, count in kinds.items()
    ]

    # 3. The most quoted sources.
    for row in (
        quotes.values(
            "source_id",
            "source__name",
            "source__public_label",
            "source__confidential",
            "source__kind",
            "source__organisation",
        )
        .annotate(quotes=Count("pk"), stories=Count("article", distinct=True))
        .order_by("-quotes", "-stories", "source_id")[:top]
    ):
        hidden = row["source__confidential"] and not reveal_confidential
        report.top_sources.append(
            Ranked(
                label=row["source__public_label"] if hidden else row["source__name"],
                quotes=row["quotes"],
                stories=row["stories"],
                share=share(row["quotes"], report.quotes),
                kind=labels.get(row["source__kind"], row["source__kind"]),
                organisation="" if hidden else row["source__organisation"],
                confidential=row["source__confidential"],
                source_id=row["source_id"],
            )
        )

    # 4. The most quoted organisations: whom the sources speak for.
    speaking_for = Coalesce(
        NullIf(F("source__organisation"), Value("")),
        Case(When(source__kind=Source.Kind.ORGANISATION, then=F("source__name"))),
        output_field=CharField(),
    )
    by_organisation = quotes.annotate(speaking_for=speaking_for).filter(speaking_for__isnull=False)
    if not reveal_confidential:
        by_organisation = by_organisation.filter(source__confidential=False)
    for row in (
        by_organisation.values("speaking_for")
        .annotate(quotes=Count("pk"), stories=Count("article", distinct=True))
        .order_by("-quotes", "-stories", "speaking_for")[:top]
    ):
        report.top_organisations.append(
            Ranked(row["speaking_for"], row["quotes"], row["stories"], share(row["quotes"], report.quotes))
        )

    # 5. The thinly sourced stories themselves, newest first.
    report.thin_stories = list(
        stories.filter(named_sources__lte=1)
        .annotate(quote_count=Count("quotes"))
        .select_related("section")
        .order_by("-published_at", "-pk")[:THIN_STORY_ROWS]
    )
    return report


def _first_day(moment):
    """The month TruncMonth gives (a datetime in the current time zone, or a date) as its first day."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return moment.date().replace(day=1)
    return moment.replace(day=1)
