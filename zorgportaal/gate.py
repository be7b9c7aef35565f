from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import sessions
from .http import ZorgPortaalRequest
from .journey import DEFAULT_STAGES, STAGE_HOME, Stage, current_stage, take_destination


class JourneyGateMiddleware:
    """Let a request through only to views that serve the stage its session is in.

    Also ends sessions that were idle too long, live too long, or sat on the code step too long,
    and gives a session a new key whenever its stage changes (`sessions.follow_stage`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        sessions.record_stage_after_rotation(request)
        return response

    def process_view(self, request: ZorgPortaalRequest, view_func, view_args, view_kwargs):
        stage = self._stage_of_live_session(request)
        request.journey_stage = stage
        sessions.follow_stage(request, stage)
        if stage in getattr(view_func, "journey_stages", DEFAULT_STAGES):
            return None
        destination = take_destination(request) if stage is Stage.PORTAL else None
        home = redirect(destination or STAGE_HOME[stage])
        if stage is Stage.ANONYMOUS and request.method == "GET":
            home["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return home

    @staticmethod
    def _stage_of_live_session(request) -> Stage:
        stage = current_stage(request)
        if not request.user.is_authenticated:
            return stage
        if sessions.is_expired(request.session, code_pending=stage is Stage.SECOND_FACTOR):
            sessions.session_end(request, reason="expired")
            messages.info(request, _("Uw sessie is verlopen. Log opnieuw in."))
            return current_stage(request)
        sessions.touch(request.session)
        return stage
