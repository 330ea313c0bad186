from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from journal.models import Entry, Link, Round, Tag


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["date", "day", "title", "minutes"]
    readonly_fields = ["day"]
    extra = 0
    show_change_link = True
    ordering = ["date"]


class LinkInline(admin.TabularInline):
    model = Link
    fields = ["position", "url", "label"]
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "number", "start_date", "target", "rule", "visibility", "entry_count"]
    list_filter = ["rule", "visibility", "target"]
    search_fields = ["title", "user__email", "user__handle"]
    date_hierarchy = "start_date"
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [EntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "date", "day", "round_label", "owner", "minutes", "updated_at"]
    list_filter = ["round__visibility", "round__rule", "tags"]
    search_fields = [
        "title",
        "progress",
        "thoughts",
        "round__user__email",
        "round__user__handle",
        "round__title",
    ]
    date_hierarchy = "date"
    list_select_related = ["round", "round__user"]
    raw_id_fields = ["round"]
    readonly_fields = ["day", "created_at", "updated_at"]
    filter_horizontal = ["tags"]
    inlines = [LinkInline]

    @admin.display(description=_("round"), ordering="round__number")
    def round_label(self, obj):
        return f"R{obj.round.number}"

    @admin.display(description=_("user"), ordering="round__user__email")
    def owner(self, obj):
        return obj.round.user.email

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Keep day numbers derived and cached pages fresh after an admin edit.
        from journal import services

        services.renumber(obj.round)
        services._bump(obj.round)

    def delete_model(self, request, obj):
        from journal import services

        services.delete_entry(obj)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "entry_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count
