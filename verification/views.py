from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.journey import Stage, stages


@stages(Stage.HELPDESK)
@never_cache
def start(request):
    """The verification page (manual 2.6); built in the helpdesk issue."""
    return render(request, "holding.html", {"title": "Verificatie"})
