"""
The sourcing report's page in the admin (/admin/articles/sourcing-report/): a period and
section form, the figures of ``articles.reports`` as tables with server-drawn SVG bar
charts, and the same figures as CSV (``?format=csv``). Staff with ``articles.view_quote``.
"""

import csv
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import Truncator

from ..models import Section
from ..reports import Voice, default_period, sourcing_report

MAX_DAYS = 10 * 366

# Chart geometry, in SVG user units: one unit is one CSS pixel unless the page is narrower.
ROW_HEIGHT = 22
VALUE_WIDTH = 80
COLUMN_WIDTH = 36
PLOT_HEIGHT = 140
PLOT_TOP = 8  # room for the top grid line's label
AXIS_HEIGHT = 22
AXIS_WIDTH = 40


class ReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    section = forms.ModelChoiceField(
        Section.objects.order_by("position", "name"), required=False, empty_label="All sections"
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("The period ends before it starts.")
            if end - start > timedelta(days=MAX_DAYS):
                raise forms.ValidationError("Choose a period of ten years or less.")
        return data


def sourcing_report_view(request, site):
    """The report for the period and section in the query string (the last 90 days of every section by default)."""
    if not request.user.has_perm("articles.view_quote"):
        raise PermissionDenied
    start, end = default_period()
    asked = any(name in request.GET for name in ("start", "end", "section"))
    form = ReportForm(request.GET if asked else None, initial={"start": start, "end": end})
    report = None
    if not asked or form.is_valid():
        if asked:
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        section = form.cleaned_data.get("section") if asked else None
        report = sourcing_report(
            start, end, section, reveal_confidential=request.user.has_perm("articles.view_confidential_source")
        )
        if request.GET.get("format") == "csv":
            return csv_response(report)
    context = {
        **site.each_context(request),
        "title": "Sourcing report",
        "form": form,
        "report": report,
        "charts": charts(report) if report else None,
        "voice_labels": Voice.LABELS,
    }
    return TemplateResponse(request, "admin/articles/sourcing_report.html", context)


# Charts: geometry computed here, drawn by the template.


def bar_chart(rows, title, *, label_width=250, bar_width=330):
    """A horizontal bar chart of ``(label, value, text)`` rows, bars scaled to the largest value."""
    largest = max((value for _, value, _ in rows), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(rows):
        width = round(value / largest * bar_width, 1)
        bars.append(
            {
                "y": index * ROW_HEIGHT,
                "text_y": index * ROW_HEIGHT + ROW_HEIGHT * 0.68,
                "label": Truncator(label).chars(label_width // 7),
                "full_label": label,
                "width": width,
                "value_x": label_width + width + 6,
                "text": text,
            }
        )
    return {
        "title": title,
        "bars": bars,
        "bar_x": label_width,
        "bar_height": ROW_HEIGHT - 6,
        "width": label_width + bar_width + VALUE_WIDTH,
        "height": max(len(bars), 1) * ROW_HEIGHT,
    }


def column_chart(months, series, title, *, stacked=False):
    """
    Columns per month. ``series`` is a list of ``(css_class, label, share_of)``, ``share_of(month)``
    a fraction; ``stacked`` piles the series up in one column (their shares add up to 100 %),
    otherwise they stand side by side.
    """
    slot = COLUMN_WIDTH + 8
    width = COLUMN_WIDTH if stacked else COLUMN_WIDTH / len(series)
    columns = []
    for index, month in enumerate(months):
        bars, top = [], PLOT_TOP + PLOT_HEIGHT
        for position, (css_class, label, share_of) in enumerate(series):
            value = share_of(month)
            height = round(value * PLOT_HEIGHT, 1)
            top = top - height if stacked else PLOT_TOP + PLOT_HEIGHT - height
            bars.append(
                {
                    "x": round(AXIS_WIDTH + index * slot + 4 + (0 if stacked else position * width), 1),
                    "y": round(top, 1),
                    "width": round(width if stacked else width - 1, 1),
                    "height": height,
                    "css_class": css_class,
                    "title": f"{month.month:%b %Y} — {label}: {value:.0%}",
                }
            )
        label_x = AXIS_WIDTH + index * slot + 4 + COLUMN_WIDTH / 2
        columns.append({"bars": bars, "label": f"{month.month:%b %y}", "label_x": label_x})
    return {
        "title": title,
        "columns": columns,
        "legend": [(css_class, label) for css_class, label, _ in series],
        "axis_x": AXIS_WIDTH - 6,
        "plot_x": AXIS_WIDTH,
        "width": AXIS_WIDTH + max(len(months), 1) * slot + 8,
        "height": PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT,
        "label_y": PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT * 0.75,
        "gridlines": [
            {"y": y, "label_y": y + 4, "label": f"{share:.0%}"}
            for share in (0, 0.25, 0.5, 0.75, 1)
            for y in [PLOT_TOP + PLOT_HEIGHT * (1 - share)]
        ],
    }


def _voice_share(voice):
    return lambda month: month.voice_share(voice)


def charts(report):
    def counted(value, share):
        return f"{value} · {share:.0%}"

    return {
        "voices": bar_chart(
            [(s.label, s.count, counted(s.count, s.share)) for s in report.voices],
            "Quotes by voice",
            label_width=110,
            bar_width=220,
        ),
        "kinds": bar_chart(
            [(s.label, s.count, counted(s.count, s.share)) for s in report.kinds],
            "Quotes by kind",
            label_width=110,
            bar_width=220,
        ),
        "sources": bar_chart(
            [(row.label, row.quotes, counted(row.quotes, row.share)) for row in report.top_sources],
            "Most quoted sources",
        ),
        "organisations": bar_chart(
            [(row.label, row.quotes, counted(row.quotes, row.share)) for row in report.top_organisations],
            "Most quoted organisations",
        ),
        "monthly_voices": column_chart(
            report.months,
            [(voice, label, _voice_share(voice)) for voice, label in Voice.LABELS.items()],
            "Share of quotes by voice, month by month",
            stacked=True,
        ),
        "monthly_sourcing": column_chart(
            report.months,
            [
                ("confidential", "Quotes from confidential sources", lambda m: m.confidential_share),
                ("thin", "Stories with one named source or none", lambda m: m.thin_share),
            ],
            "Confidential sources and thin sourcing, month by month",
        ),
    }


# CSV: the same figures, one block per table, for a spreadsheet.


def _cell(value):
    """Text a spreadsheet won't run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _percent(share):
    return f"{share * 100:.1f}"


def csv_rows(report):
    section = report.section.name if report.section else "All sections"
    yield ["Sourcing report", f"{report.start:%Y-%m-%d}", f"{report.end:%Y-%m-%d}", section]
    yield []
    yield ["Totals", "count", "share (%)"]
    yield ["Stories", report.stories, ""]
    yield ["Quotes", report.quotes, ""]
    yield ["Quotes from confidential sources", report.confidential_quotes, _percent(report.confidential_share)]
    yield [
        "Stories quoting a confidential source",
        report.stories_with_confidential,
        _percent(report.stories_with_confidential_share),
    ]
    yield ["Stories with no named source", report.no_named_source, _percent(report.no_named_source_share)]
    yield ["Stories with one named source", report.one_named_source, _percent(report.one_named_source_share)]
    yield []
    yield ["Voice", "quotes", "share of quotes (%)"]
    yield from ([row.label, row.count, _percent(row.share)] for row in report.voices)
    yield []
    yield ["Kind of source", "quotes", "share of quotes (%)"]
    yield from ([row.label, row.count, _percent(row.share)] for row in report.kinds)
    yield []
    yield ["Most quoted sources", "kind", "organisation", "confidential", "quotes", "stories", "share of quotes (%)"]
    yield from (
        [row.label, row.kind, row.organisation, "yes" if row.confidential else "", row.quotes, row.stories]
        + [_percent(row.share)]
        for row in report.top_sources
    )
    yield []
    yield ["Most quoted organisations", "quotes", "stories", "share of quotes (%)"]
    yield from ([row.label, row.quotes, row.stories, _percent(row.share)] for row in report.top_organisations)
    yield []
    yield [
        "Month",
        "stories",
        "quotes",
        *(f"{label.lower()} (%)" for label in Voice.LABELS.values()),
        "quotes from confidential sources",
        "stories quoting a confidential source",
        "stories with no named source",
        "stories with one named source",
    ]
    for month in report.months:
        yield [
            f"{month.month:%Y-%m}",
            month.stories,
            month.quotes,
            *(_percent(month.voice_share(voice)) for voice in Voice.LABELS),
            month.confidential_quotes,
            month.stories_with_confidential,
            month.no_named_source,
            month.one_named_source,
        ]


def csv_response(report):
    name = f"sourcing-report-{report.start:%Y-%m-%d}-to-{report.end:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # the byte order mark that makes spreadsheets read the file as UTF-8
    writer = csv.writer(response)
    for row in csv_rows(report):
        writer.writerow([_cell(value) for value in row])
    return response
