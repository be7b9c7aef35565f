"""Password reset ("Wachtwoord vergeten?")."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zorgportaal import audit, emails
from zorgportaal.journey import Stage, stages
from zorgportaal.security import secret_link

from ..forms import ResetPasswordForm, ResetRequestForm
from ..login import password_throttle_reset
from ..password_reset import password_reset_queue


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Queue the mail (the worker sends it); the same page whether or not one was queued."""
        password_reset_queue(
            email=form.cleaned_data["email"], language=get_language(), request=self.request
        )
        # Skip PasswordResetView.form_valid, which would send Django's own mail in the request.
        return super(auth_views.PasswordResetView, self).form_valid(form)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view keeps the token in the session and redirects to a URL without it."""

    form_class = ResetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        password_throttle_reset(user.email)
        audit.record("password_reset.done", request=self.request, subject=user, actor=user)
        emails.send("password-changed", user.email, {"user": user}, language=get_language())
        messages.success(
            self.request,
            _("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord en uw code."),
        )
        return response


reset_request = stages(Stage.ANONYMOUS, Stage.REGISTRATION)(ResetRequestView.as_view())
reset_done = stages(Stage.ANONYMOUS, Stage.REGISTRATION)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
reset_confirm = stages(Stage.ANONYMOUS, Stage.REGISTRATION)(
    secret_link("reset")(ResetConfirmView.as_view())
)
