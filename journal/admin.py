from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from hundreddays.textsafety import StripControlCharacters
from journal import clock, limits, rules, services
from journal.models import Entry, Link, Round, Tag


class SafeModelForm(StripControlCharacters, forms.ModelForm):
    pass


class EntryInline(admin.TabularInline):
    form = SafeModelForm
    # Dates and day numbers are edited on the entry's own page, where the rules are checked.
    model = Entry
    fields = ["date", "day", "title", "minutes"]
    readonly_fields = ["date", "day"]
    extra = 0
    show_change_link = True
    ordering = ["date"]

    def has_add_permission(self, request, obj=None):
        return False


class RoundAdminForm(StripControlCharacters, forms.ModelForm):
    class Meta:
        model = Round
        fields = ["user", "number", "title", "start_date", "target", "rule", "visibility", "description"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            dates = list(self.instance.entries.values_list("date", flat=True))
            problem = services.settings_error(
                self.instance,
                start_date=cleaned["start_date"],
                target=cleaned["target"],
                rule=cleaned["rule"],
                dates=dates,
            )
            if problem:
                raise forms.ValidationError(problem)
        return cleaned


class EntryAdminForm(StripControlCharacters, forms.ModelForm):
    class Meta:
        model = Entry
        fields = ["round", "date", "title", "progress", "thoughts", "minutes", "tags"]

    def clean(self):
        cleaned = super().clean()
        round, d = cleaned.get("round"), cleaned.get("date")
        if round is None or d is None:
            return cleaned
        if self.instance.pk and self.instance.round_id == round.pk and self.instance.date == d:
            return cleaned
        dates = round.entries.exclude(pk=self.instance.pk).values_list("date", flat=True)
        today = clock.today_for(round.user)
        code = rules.date_error(d, round.start_date, round.target, round.rule, today, dates)
        if code:
            self.add_error("date", limits.date_error_message(code, round, d))
        return cleaned


class LinkInline(admin.TabularInline):
    model = Link
    form = SafeModelForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["position", "url", "label"]
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundAdminForm
    list_display = ["__str__", "user", "number", "start_date", "target", "rule", "visibility", "entry_count"]
    list_filter = ["rule", "visibility", "target"]
    search_fields = ["title", "user__email", "user__handle"]
    date_hierarchy = "start_date"
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [EntryInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Start date, rule or inline deletions may change day numbers.
        services.renumber(form.instance)
        services.bump(form.instance)

    actions = ["export_markdown", "export_json"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count

    @admin.action(description=_("Export selected rounds as Markdown (zip)"))
    def export_markdown(self, request, queryset):
        return self._export(queryset, "zip")

    @admin.action(description=_("Export selected rounds as JSON"))
    def export_json(self, request, queryset):
        return self._export(queryset, "json")

    def _export(self, queryset, fmt):
        from django.http import HttpResponse
        from django.utils.http import content_disposition_header

        from journal import exporting

        name, body, content_type = exporting.export_selected(queryset, fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
        return response


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    form = EntryAdminForm
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
        # Day numbers are derived: a placeholder until renumber() sets the real one.
        if obj.day is None:
            obj.day = 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Keep day numbers derived and cached pages fresh after an admin edit (also of the old round).
        rounds = {form.instance.round_id} | ({form.initial.get("round")} - {None})
        for round in Round.objects.filter(pk__in=rounds):
            services.renumber(round)
            services.bump(round)

    def delete_model(self, request, obj):
        services.delete_entry(obj)

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("round"):
            services.delete_entry(entry)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = SafeModelForm
    list_display = ["name", "entry_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count
