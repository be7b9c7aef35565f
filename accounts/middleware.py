from urllib.parse import urlencode

from django.shortcuts import redirect

from .journey import DEFAULT_STAGES, STAGE_HOME, Stage, current_stage


class JourneyGateMiddleware:
    """Let a request through only to views that serve the stage its session is in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        allowed = getattr(view_func, "journey_stages", DEFAULT_STAGES)
        stage = current_stage(request)
        request.journey_stage = stage
        if stage in allowed:
            return None
        home = redirect(STAGE_HOME[stage])
        if stage is Stage.ANONYMOUS and request.method == "GET":
            home["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return home
