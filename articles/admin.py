from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import Article, Author, Byline, ImageCaption, Quote, Section, Source

THUMBNAIL_WIDTH = 160


def thumbnail(image_caption, width=THUMBNAIL_WIDTH):
    if not image_caption.image:
        return "Awaiting photo"
    return format_html(
        '<img src="{}" alt="{}" width="{}" style="height:auto;border-radius:3px">',
        image_caption.image.url,
        image_caption.alt_text,
        width,
    )


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]


class ImageCaptionInline(admin.StackedInline):
    model = ImageCaption
    extra = 0
    readonly_fields = ["preview", "dimensions"]
    fieldsets = [
        (None, {"fields": [("image", "preview"), "caption", ("credit", "photographer"), "alt_text"]}),
        (None, {"fields": [("is_lead", "is_decorative", "position"), "usage_terms", "dimensions"]}),
    ]

    @admin.display(description="Preview")
    def preview(self, obj):
        return thumbnail(obj)

    @admin.display(description="Size")
    def dimensions(self, obj):
        if obj.width and obj.height:
            return f"{obj.width} × {obj.height} px"
        return "—"


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["text", "source", "context", "is_pull_quote", "position"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "story_count"]
    list_editable = ["position"]
    ordering = ["position", "name"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description="Stories", ordering="story_count")
    def story_count(self, obj):
        return obj.story_count


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user", "story_count"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "job_title", "user__username"]
    list_select_related = ["user"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("bylines__article", distinct=True))

    @admin.display(description="Stories", ordering="story_count")
    def story_count(self, obj):
        return obj.story_count


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "role", "organisation", "confidential", "quote_count"]
    list_filter = ["kind", "confidential"]
    search_fields = ["name", "aliases", "organisation", "role", "public_label"]
    ordering = ["name"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", ("role", "organisation"), "aliases"]}),
        ("Confidentiality", {"fields": ["confidential", "public_label"]}),
        (
            "Private contact details",
            {"fields": [("email", "phone"), "contact_notes"], "classes": ["collapse"]},
        ),
        (None, {"fields": [("created_at", "updated_at")]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(quote_count=Count("quotes"))

    @admin.display(description="Quotes", ordering="quote_count")
    def quote_count(self, obj):
        return obj.quote_count


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "state", "is_live", "bylines_display", "published_at", "updated_at"]
    list_filter = ["status", "section", "published_at"]
    search_fields = ["headline", "standfirst", "slug", "import_id"]
    date_hierarchy = "published_at"
    list_select_related = ["section"]
    autocomplete_fields = ["section"]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["created_at", "updated_at", "import_origin", "import_id"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "body"]}),
        ("Filing", {"fields": ["section", "tags"]}),
        ("Publication", {"fields": ["status", ("published_at", "embargo_until"), "withdrawal_notice"]}),
        (
            "Record",
            {"fields": [("created_at", "updated_at"), ("import_origin", "import_id")], "classes": ["collapse"]},
        ),
    ]
    inlines = [BylineInline, ImageCaptionInline, QuoteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_bylines()

    @admin.display(description="Status", ordering="status")
    def state(self, obj):
        return obj.state_label

    @admin.display(description="Public", boolean=True)
    def is_live(self, obj):
        return obj.is_live()

    @admin.display(description="Byline")
    def bylines_display(self, obj):
        return ", ".join(byline.author.name for byline in obj.bylines.all())


@admin.register(ImageCaption)
class ImageCaptionAdmin(admin.ModelAdmin):
    list_display = ["preview", "caption_short", "credit", "article", "is_lead"]
    list_filter = ["is_lead", "is_decorative"]
    search_fields = ["caption", "credit", "photographer", "alt_text", "article__headline"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    readonly_fields = ["preview", "width", "height"]

    @admin.display(description="Photo")
    def preview(self, obj):
        return thumbnail(obj, width=96)

    @admin.display(description="Caption")
    def caption_short(self, obj):
        return Truncator(obj.caption).chars(90)


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["text_short", "source", "article", "is_pull_quote"]
    list_filter = ["is_pull_quote", "source__kind"]
    search_fields = ["text", "source__name", "article__headline"]
    list_select_related = ["source", "article"]
    autocomplete_fields = ["source", "article"]

    @admin.display(description="Quote")
    def text_short(self, obj):
        return Truncator(obj.text).chars(90)
