from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.journey import Stage, stages


@stages(Stage.ENROLMENT)
@never_cache
def app_setup(request):
    """ "App instellen" (manual 2.4.1); built in the second-factor issue."""
    return render(request, "holding.html", {"title": "App instellen"})


@stages(Stage.ENROLMENT)
@never_cache
def token_setup(request):
    """ "Token instellen" (manual 2.4.3); built in the second-factor issue."""
    return render(request, "holding.html", {"title": "Token instellen"})
