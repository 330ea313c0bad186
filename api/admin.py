from django.contrib import admin

from api.models import Token


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "hint",
        "can_read",
        "can_write",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["can_write"]
    list_select_related = ["user"]
    search_fields = ["name", "user__email", "user__handle"]
    readonly_fields = ["hint", "last_used_at", "revoked_at", "created_at"]
    fields = [
        "user",
        "name",
        "hint",
        "can_read",
        "can_write",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "created_at",
    ]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False  # a token is made on the tokens page, where its secret is shown once
