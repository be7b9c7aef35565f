"""Mijn gegevens (AVG articles 15 and 20): what is kept about the person, on a page and as a
JSON file to take along; behind a fresh second factor, as a session left open on a shared
computer must not hand someone else the whole record."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zorgportaal import audit
from zorgportaal.http import AuthenticatedHttpRequest
from zorgportaal.stepup import fresh_second_factor_in_portal

from . import export


@require_GET
@never_cache
@fresh_second_factor_in_portal
def my_data(request: AuthenticatedHttpRequest):
    """ "Mijn gegevens": every section of the export, as tables."""
    context = {"data": export.collect(request.user), "tab": "my_data"}
    return render(request, "privacy/my_data.html", context)


@require_GET
@never_cache
@fresh_second_factor_in_portal
def my_data_download(request: AuthenticatedHttpRequest):
    """ "Download als JSON": the same, as a file; each download is an event (without the data)."""
    data = export.personal_data(request.user)
    audit.record("privacy.exported", request=request, subject=request.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = f"mijn-gegevens-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
