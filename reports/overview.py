"""The servicedesk's overview in the admin: the registration funnel per organisation, who is
stuck at which step for more than N days (with a one-click resend), and the helpdesk's queue.

Every number comes from a fixed handful of aggregate queries, so the page costs the same with
ten people or ten thousand; the lists of stuck people are cut off at STUCK_LIST_LIMIT rows.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts.models import Invitation, Organisation
from tokens.models import AppDevice, HardwareTokenDevice
from verification.models import Conversation
from zorgportaal.models import AuditEvent

DEFAULT_DAYS = 7
MAX_DAYS = 365
STUCK_LIST_LIMIT = 50
CHART_DAYS = 14

STEPS = [
    ("invited", gettext_lazy("Uitgenodigd")),
    ("opened", gettext_lazy("Link geopend")),
    ("password", gettext_lazy("Wachtwoord ingesteld")),
    ("factor", gettext_lazy("Authenticatiemiddel gekoppeld")),
    ("verified", gettext_lazy("Geverifieerd")),
]
# Where someone stands still: the step they reached, and what they still have to do.
STUCK_AT = [
    ("invited", gettext_lazy("Uitgenodigd, link niet geopend")),
    ("opened", gettext_lazy("Link geopend, geen wachtwoord ingesteld")),
    ("password", gettext_lazy("Wachtwoord ingesteld, geen authenticatiemiddel gekoppeld")),
    ("factor", gettext_lazy("Authenticatiemiddel gekoppeld, niet geverifieerd")),
]


def _confirmed(model):
    return model.objects.filter(user=OuterRef("user_id"), confirmed=True)


def _first_bound(model):
    return Subquery(_confirmed(model).order_by("created_at").values("created_at")[:1])


def live_invitations(organisation: Organisation | None = None):
    """Invitations that count: not revoked; with when and how far each one got."""
    queryset = Invitation.objects.filter(revoked_at__isnull=True)
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    return queryset.annotate(
        has_factor=Exists(_confirmed(AppDevice)) | Exists(_confirmed(HardwareTokenDevice)),
        factor_at=Coalesce(_first_bound(AppDevice), _first_bound(HardwareTokenDevice)),
        invited_at=Coalesce("sent_at", "created_at"),
    )


# The condition for each step reached, and for standing still at it since before `cutoff`.
REACHED = {
    "invited": Q(),
    "opened": Q(opened_at__isnull=False) | Q(used_at__isnull=False),
    "password": Q(used_at__isnull=False),
    "factor": Q(has_factor=True),
    "verified": Q(user__identity_verified_at__isnull=False),
}


def stuck_condition(step: str, cutoff: datetime) -> Q:
    pending = Q(used_at__isnull=True)
    return {
        "invited": pending & Q(opened_at__isnull=True, invited_at__lt=cutoff),
        "opened": pending & Q(opened_at__lt=cutoff),
        "password": Q(used_at__lt=cutoff, has_factor=False, user__isnull=False),
        "factor": Q(factor_at__lt=cutoff, user__identity_verified_at__isnull=True),
    }[step]


@dataclass
class FunnelRow:
    name: str
    organisation_id: int | None
    counts: list  # (step label, number, percentage of invited)


def funnel(queryset) -> tuple[list[FunnelRow], FunnelRow]:
    """One row per organisation and a total: how many reached each step. One query."""
    counts = {step: Count("pk", filter=REACHED[step]) for step, _label in STEPS}
    rows = (
        queryset.order_by()
        .values("organisation_id", "organisation__name")
        .annotate(**counts)
        .order_by("organisation__name")
    )
    result = [_row(row["organisation__name"], row["organisation_id"], row) for row in rows]
    totals = {step: sum(row[step] for row in rows) for step, _label in STEPS}
    return result, _row(_("Totaal"), None, totals)


def _row(name, organisation_id, numbers) -> FunnelRow:
    invited = numbers["invited"] or 0
    return FunnelRow(
        name=name,
        organisation_id=organisation_id,
        counts=[
            (label, numbers[step], round(100 * numbers[step] / invited) if invited else 0)
            for step, label in STEPS
        ],
    )


def stuck(queryset, cutoff: datetime, now: datetime) -> list[dict]:
    """Per step: how many stand still there since before `cutoff`, and the first of them with
    their invitation's status at `now`."""
    totals = queryset.aggregate(
        **{step: Count("pk", filter=stuck_condition(step, cutoff)) for step, _label in STUCK_AT}
    )
    groups = []
    for step, label in STUCK_AT:
        since = {"invited": "invited_at", "opened": "opened_at", "password": "used_at"}.get(
            step, "factor_at"
        )
        people = list(
            queryset.filter(stuck_condition(step, cutoff))
            .with_status(now)
            .select_related("organisation", "user")
            .order_by(since, "pk")[:STUCK_LIST_LIMIT]
        )
        for invitation in people:
            invitation.stuck_since = getattr(invitation, since)
            invitation.can_resend = step in ("invited", "opened")
            invitation.status_label = Invitation.Status(invitation.status).label
        groups.append(
            {
                "step": step,
                "label": label,
                "count": totals[step],
                "people": people,
                "more": totals[step] - len(people),
            }
        )
    return groups


def helpdesk_queue(now: datetime) -> dict:
    """Waiting now, the median wait of the chats taken today, verifications per day."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    waits = [
        taken - created
        for created, taken in Conversation.objects.filter(taken_at__gte=today).values_list(
            "created_at", "taken_at"
        )
    ]
    first_day = (today - timedelta(days=CHART_DAYS - 1)).date()
    per_day = dict(
        AuditEvent.objects.filter(
            event="verification.succeeded",
            outcome=AuditEvent.Outcome.SUCCESS,
            created_at__gte=today - timedelta(days=CHART_DAYS - 1),
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = [first_day + timedelta(days=i) for i in range(CHART_DAYS)]
    median = statistics.median(waits) if waits else None
    return {
        "waiting": Conversation.objects.waiting().count(),
        "median_wait": median,
        "median_minutes": round(median.total_seconds() / 60) if median is not None else None,
        "taken_today": len(waits),
        "verifications": [(day, per_day.get(day, 0)) for day in days],
    }


def step_class(n: int, top: int) -> int:
    """A bar's length as one of the CSS classes bar-0, bar-1, bar-5 … bar-100 (no inline style
    under the Content-Security-Policy): the nearest 5 %, and at least 1 % when not zero."""
    if not n or not top:
        return 0
    return max(1, round(20 * n / top) * 5)


def day_chart(values: list[tuple]) -> list[dict]:
    """Verifications per day as bars, each as high as its share of the busiest day."""
    top = max((n for _day, n in values), default=0)
    return [{"day": day, "n": n, "size": step_class(n, top)} for day, n in values]


def parse_days(raw) -> int:
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return min(max(days, 1), MAX_DAYS)


def overview_view(model_admin):
    """The page, as a view bound to the invitation admin (permissions, admin context)."""

    def view(request):
        if not model_admin.has_view_permission(request):
            return redirect("admin:index")
        now = timezone.now()
        days = parse_days(request.GET.get("days"))
        organisations = list(Organisation.objects.only("pk", "name"))
        chosen = next(
            (o for o in organisations if str(o.pk) == request.GET.get("organisation")), None
        )
        queryset = live_invitations(chosen)
        rows, total = funnel(queryset)
        queue = helpdesk_queue(now)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Overzicht registraties en helpdesk"),
            "opts": model_admin.model._meta,
            "days": days,
            "organisations": organisations,
            "chosen": chosen,
            "steps": [label for _step, label in STEPS],
            "rows": rows,
            "total": total,
            "funnel_chart": funnel_chart(total),
            "stuck": stuck(queryset, now - timedelta(days=days), now),
            "queue": queue,
            "verification_chart": day_chart(queue["verifications"]),
            "can_resend": model_admin.has_add_permission(request),
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/accounts/invitation/overview.html", context)

    return view


def funnel_chart(total: FunnelRow) -> list[dict]:
    """The total funnel as bars, each as long as its share of the invited."""
    invited = total.counts[0][1]
    return [
        {"label": label, "n": n, "percentage": pct, "size": step_class(n, invited)}
        for label, n, pct in total.counts
    ]


def resend_view(model_admin):
    """ "Opnieuw versturen" next to someone stuck before the password: a new link goes out."""

    @require_POST
    def view(request, pk):
        if not model_admin.has_add_permission(request):
            return redirect("admin:index")
        invitation = get_object_or_404(Invitation, pk=pk)
        if invitations.invitation_resend(invitation, request=request):
            messages.success(
                request,
                _("Nieuwe uitnodiging verstuurd naar %(email)s.") % {"email": invitation.email},
            )
        else:
            messages.warning(
                request,
                _("Niet verstuurd naar %(email)s: gebruikt, ingetrokken of verzenden mislukt.")
                % {"email": invitation.email},
            )
        url = reverse("admin:accounts_invitation_overview")
        query = {k: v for k, v in request.POST.items() if k in ("days", "organisation") and v}
        return redirect(f"{url}?{urlencode(query)}" if query else url)

    return view
