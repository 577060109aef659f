"""The read-only admin base: rows that change only through the services (or not at all)."""
from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """No add, change or delete through admin forms; every field shown read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
