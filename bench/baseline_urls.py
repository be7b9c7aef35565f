"""The bench's URLconf: ZorgPortaal's URLs plus bare-Django views to measure them against.

The baselines go through the same middleware (sessions, CSRF, the journey gate, security
headers …) as every ZorgPortaal page, so a ratio shows what a view itself costs.
"""

from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import path

from zorgportaal.journey import ALL_STAGES, stages
from zorgportaal.urls import handler500  # noqa: F401 (the same error page)
from zorgportaal.urls import urlpatterns as portal_urlpatterns

# Django's own LoginView with a template of about the size of ZorgPortaal's login page.
bare_login = stages(*ALL_STAGES)(LoginView.as_view(template_name="bench/login.html"))


@stages(*ALL_STAGES)
def no_content(request):
    """The least a view can answer: what an empty chat poll is measured against."""
    return HttpResponse(status=204)


urlpatterns = [
    path("bench/login/", bare_login, name="bench_login"),
    path("bench/204/", no_content, name="bench_no_content"),
    *portal_urlpatterns,
]
