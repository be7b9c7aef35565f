import csv
import json
from datetime import UTC

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import AuditEvent

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

CSV_COLUMNS = [
    ("id", _("id")),
    ("created_at", _("tijdstip (UTC)")),
    ("event", _("gebeurtenis")),
    ("outcome", _("uitkomst")),
    ("actor_email", _("uitgevoerd door")),
    ("actor_role", _("rol uitvoerder")),
    ("subject_email", _("betreft")),
    ("client_ip", _("adres client")),
    ("request_id", _("request-id")),
    ("details", _("details")),
]


def neutralise(value) -> str:
    """A cell as text that no spreadsheet will run: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_rows(events):
    yield [str(label) for _name, label in CSV_COLUMNS]
    for event in events:
        values = {
            **{name: getattr(event, name) for name, _label in CSV_COLUMNS},
            "created_at": utc(event.created_at),
            "details": json.dumps(event.details, ensure_ascii=False, sort_keys=True),
        }
        yield [neutralise(values[name]) for name, _label in CSV_COLUMNS]


class _Echo:
    def write(self, value):
        return value


def csv_response(events, filename: str) -> StreamingHttpResponse:
    """Stream the rows: five years of events never sit in memory at once."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(events)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TextInputFilter(admin.SimpleListFilter):
    """A filter with a text box (an account has too many values for a list of links)."""

    template = "admin/zorgportaal/text_input_filter.html"

    def lookups(self, request, model_admin):
        return [("", "")]  # Django shows a filter only when it has lookups

    def choices(self, changelist):
        others = [
            (key, value)
            for key, value in changelist.params.items()
            if key not in (self.parameter_name, "p")
        ]
        yield {"parameter_name": self.parameter_name, "value": self.value() or "", "others": others}


class AccountFilter(TextInputFilter):
    title = _("betreft account (e-mailadres)")
    parameter_name = "account"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if value:
            return queryset.filter(Q(subject_email__iexact=value) | Q(subject__email__iexact=value))
        return queryset


class ActorFilter(TextInputFilter):
    title = _("uitgevoerd door (e-mailadres)")
    parameter_name = "actor"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if value:
            return queryset.filter(Q(actor_email__iexact=value) | Q(actor__email__iexact=value))
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the trail is append-only.

    Seeing it needs the permission "zorgportaal.view_auditevent" (or superuser). Exports are
    themselves recorded in the trail (audit.exported).
    """

    list_display = [
        "created_at_utc",
        "event",
        "outcome",
        "actor_email",
        "actor_role",
        "subject_email",
        "client_ip",
        "request_id",
    ]
    list_filter = [
        "event",
        "outcome",
        AccountFilter,
        ActorFilter,
        "actor_role",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["actor_email", "subject_email", "request_id", "client_ip"]
    date_hierarchy = "created_at"
    list_select_related = False
    show_full_result_count = False  # no COUNT(*) over years of events on every page
    actions = ["export_selected"]
    readonly_fields = [
        "created_at_utc",
        "event",
        "outcome",
        "actor",
        "actor_email",
        "actor_role",
        "subject",
        "subject_email",
        "client_ip",
        "request_id",
        "details",
    ]
    exclude = ["created_at"]

    @admin.display(description=_("tijdstip (UTC)"), ordering="created_at")
    def created_at_utc(self, event):
        return utc(event.created_at)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "exporteren/",
                self.admin_site.admin_view(self.export_view),
                name="zorgportaal_auditevent_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        export_url = reverse("admin:zorgportaal_auditevent_export")
        extra_context = {
            **(extra_context or {}),
            "export_url": f"{export_url}?{query}" if query else export_url,
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        """The list as it is filtered now, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied  # admin_view already requires staff; this is the model right
        try:
            events = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:zorgportaal_auditevent_changelist") + "?e=1")
        return self._export(request, events, filters=dict(request.GET.items()))

    @admin.action(description=_("Exporteren naar CSV"), permissions=["view"])
    def export_selected(self, request, queryset):
        return self._export(request, queryset, filters={"selected": queryset.count()})

    def _export(self, request, events, *, filters):
        audit.record("audit.exported", request=request, filters=filters)
        stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return csv_response(
            events.order_by("created_at", "id").iterator(2000), f"audit-{stamp}.csv"
        )
