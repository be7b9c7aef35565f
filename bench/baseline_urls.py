"""The bench's URLconf: ZorgPortaal's URLs plus bare-Django views to measure them against.

The baselines go through the same middleware (sessions, CSRF, the journey gate, security
headers …) as every ZorgPortaal page, so a ratio shows what a view itself costs.
"""

from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path
from oauth2_provider import views as oauth_views
from oauth2_provider.oauth2_validators import OAuth2Validator

from zorgportaal.journey import ALL_STAGES, stages
from zorgportaal.urls import handler500  # noqa: F401 (the same error page)
from zorgportaal.urls import urlpatterns as portal_urlpatterns

# Django's own LoginView with a template of about the size of ZorgPortaal's login page.
bare_login = stages(*ALL_STAGES)(LoginView.as_view(template_name="bench/login.html"))


@stages(*ALL_STAGES)
def no_content(request):
    """The least a view can answer: what an empty chat poll is measured against."""
    return HttpResponse(status=204)


class BareOAuthLib:
    """django-oauth-toolkit as it comes: its own validator (no claims but `sub`, the user's id;
    no sign-in row; no pairwise subject) instead of ZorgPortaal's (OAUTH2_VALIDATOR_CLASS).

    The library keeps one oauthlib core per view class, found with `hasattr`, so a subclass of
    a view ZorgPortaal also serves (its userinfo is the library's own class) would inherit
    ours once that had answered: each bare view keeps a core of its own.
    """

    validator_class = OAuth2Validator

    @classmethod
    def get_oauthlib_core(cls):
        if "_oauthlib_core" not in cls.__dict__:
            cls._oauthlib_core = cls.get_oauthlib_backend_class()(cls.get_server())
        return cls._oauthlib_core


class BareAuthorizationView(BareOAuthLib, oauth_views.AuthorizationView):
    """For an Application with skip_authorization: a code at once, no page, nothing reversed."""


class BareTokenView(BareOAuthLib, oauth_views.TokenView):
    pass


class BareUserInfoView(BareOAuthLib, oauth_views.UserInfoView):
    pass


# A namespace of their own: ZorgPortaal's endpoints are `oauth2_provider`, which the library
# (and sso.middleware) reverse.
bare_oidc = (
    [
        path("authorize/", stages(*ALL_STAGES)(BareAuthorizationView.as_view())),
        path("token/", stages(*ALL_STAGES)(BareTokenView.as_view())),
        path("userinfo/", stages(*ALL_STAGES)(BareUserInfoView.as_view())),
    ],
    "bench_oidc",
)

urlpatterns = [
    path("bench/login/", bare_login, name="bench_login"),
    path("bench/204/", no_content, name="bench_no_content"),
    path("bench/oidc/", include(bare_oidc)),
    *portal_urlpatterns,
]
