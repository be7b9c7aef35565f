"""The services on the dashboard, managed by the servicedesk."""

from django.contrib import admin
from django.db import models

from .models import Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default
    list_display = ["name", "url", "order"]
    list_editable = ["order"]
    filter_horizontal = ["organisations", "roles"]
    search_fields = ["name"]
