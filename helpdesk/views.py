"""The helpdesk console (SPEC 6): the queue, one chat next to the account's facts, the phone path.

Open to staff with the permission `verification.helpdesk`, logged in with both factors (the
journey gate requires the full login for every view without a `@stages` marker; this checks the
permission and answers 403 otherwise). An agent sees and acts on the people of the organisations
they serve only (`agents.py`): anyone else's chat or account is a 404, like one that never was.
Each page runs a small, fixed number of queries.
"""

import functools
import math
import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from tokens.services import device_list
from verification import chat, services
from verification.forms import MessageForm
from verification.models import HELPDESK_PERMISSION, Conversation, Message, VerificationCode
from verification.opening_hours import OpeningHours, format_next_opening
from zorgportaal import throttle

from . import agents
from .forms import CodeForm, PhoneLookupForm, ResetForm

# After a right code on the phone page, the agent may act on that account for a while.
CHECKED_SESSION_KEY = "helpdesk_checked"
CHECKED_SECONDS = 15 * 60

CODE_GONE = gettext_lazy(
    "Deze code is intussen gebruikt of vervangen. Vraag de persoon de pagina te vernieuwen."
)


def helpdesk_required(view):
    """Staff with the helpdesk permission only; everyone else gets 403."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_staff and request.user.has_perm(HELPDESK_PERMISSION)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# The queue


@helpdesk_required
@require_GET
@never_cache
def queue(request):
    """Waiting chats, oldest first with their waiting time, and the agent's own open chats.

    Chats still waiting when the helpdesk closed are closed first, as the person is told."""
    now, served = timezone.now(), agents.conversations_served_by(request.user)
    hours = OpeningHours.from_settings()
    next_opening = hours.next_opening(now)
    estimate = services.wait_estimate(now=now)
    waiting = [
        conversation
        for conversation in served.waiting()
        .select_related("person__organisation")
        .order_by("created_at", "pk")
        if not services.conversation_close_if_closing_passed(conversation=conversation, now=now)
    ]
    mine = list(
        served.open()
        .filter(taken_by=request.user)
        .select_related("person__organisation")
        .order_by("taken_at", "pk")
    )
    context = {
        "now": now,
        "waiting": waiting,
        "mine": mine,
        # Asked only when both lists are empty, as they always are for an agent serving nobody.
        "serves_nobody": not (waiting or mine) and agents.serves_nobody(request.user),
        "chat_open": hours.is_open(now),
        "next_opening": format_next_opening(next_opening, now) if next_opening else "",
        "wait_minutes": None if estimate is None else round(estimate.total_seconds() / 60),
        "tab": "queue",
    }
    return render(request, "helpdesk/queue.html", context)


# One chat


def _conversation(request, pk) -> Conversation:
    """A chat of someone this agent serves; any other id is a 404."""
    return get_object_or_404(
        agents.conversations_served_by(request.user).select_related(
            "person__organisation",
            "person__role",
            "person__invitation__invited_by",
            "taken_by",
        ),
        pk=pk,
    )


def _facts(person) -> dict:
    """What the agent may see of an account: never a seed, a password or the code."""
    current = (
        VerificationCode.objects.current()
        .filter(user=person, expires_at__gt=timezone.now())
        .values("failed_attempts")
        .first()
    )
    return {
        "person": person,
        "invitation": getattr(person, "invitation", None),
        "devices": device_list(user=person),
        "attempts_left": (
            services.MAX_FAILED_ATTEMPTS - current["failed_attempts"] if current else None
        ),
    }


def _conversation_page(request, conversation, *, status=200, **forms):
    lines = list(chat.lines_of(conversation))
    context = {
        "conversation": conversation,
        "lines": lines,
        "last_id": lines[-1].pk if lines else 0,
        "is_mine": conversation.taken_by_id == request.user.pk,
        "form": forms.get("form") or MessageForm(),
        "verify_form": forms.get("verify_form") or CodeForm(prefix="verify"),
        "reset_form": forms.get("reset_form") or ResetForm(prefix="reset"),
        "viewer": "agent",
        **_facts(conversation.person),
    }
    return render(request, "helpdesk/conversation.html", context, status=status)


@helpdesk_required
@require_GET
@never_cache
def conversation_page(request, pk):
    return _conversation_page(request, _conversation(request, pk))


def _mine_and_open(request, pk):
    """The chat, if this agent has taken it and it is open; else a message and a redirect."""
    conversation = _conversation(request, pk)
    if not conversation.is_open:
        messages.error(request, _("Dit gesprek is al gesloten."))
    elif conversation.taken_by_id != request.user.pk:
        messages.error(request, _("Neem het gesprek eerst over; alleen wie het heeft, kan dit."))
    else:
        return conversation, None
    return None, redirect("helpdesk:conversation", pk=pk)


@helpdesk_required
@require_POST
def take(request, pk):
    """Of two agents clicking "Overnemen" at once, exactly one gets the chat."""
    get_object_or_404(agents.conversations_served_by(request.user), pk=pk)
    if services.conversation_take(conversation_id=pk, agent=request.user, request=request):
        return redirect("helpdesk:conversation", pk=pk)
    messages.error(request, _("Dit gesprek is al overgenomen door een collega of gesloten."))
    return redirect("helpdesk:queue")


@helpdesk_required
@sensitive_post_parameters("text")
@require_POST
def send(request, pk):
    conversation, refusal = _mine_and_open(request, pk)
    if refusal:
        return refusal
    return chat.send_answer(
        request,
        conversation,
        MessageForm(request.POST),
        kind=Message.Kind.AGENT,
        page=lambda form, status: _conversation_page(
            request, conversation, status=status, form=form
        ),
        success_url=reverse("helpdesk:conversation", kwargs={"pk": pk}) + "#bericht",
    )


@helpdesk_required
@require_GET
@never_cache
def poll(request, pk):
    served = functools.partial(agents.conversations_served_by, request.user)
    return chat.poll_answer(request, served, pk, viewer="agent")


# Refusals the phone page states as they are: none of them tells anything about the address.
SAID_ON_THE_PHONE_PAGE = {"throttled", "checks_used_up", "own_account"}


def _refusal_text(check: services.CodeCheck) -> str:
    if check.outcome == "throttled":
        return throttle.wait_message(check.wait_seconds)
    if check.outcome == "checks_used_up":
        minutes = math.ceil(check.wait_seconds / 60)
        return ngettext(
            "U heeft het maximale aantal codecontroles per uur bereikt. Probeer het over "
            "%(n)d minuut opnieuw.",
            "U heeft het maximale aantal codecontroles per uur bereikt. Probeer het over "
            "%(n)d minuten opnieuw.",
            minutes,
        ) % {"n": minutes}
    if check.outcome == "own_account":
        return _(
            "U kunt uw eigen account niet zelf controleren, verifiëren of resetten. Laat een "
            "collega van de helpdesk dit doen."
        )
    if check.outcome == "no_code":
        return _(
            "Deze persoon heeft nu geen geldige code. Vraag de persoon de pagina te vernieuwen "
            "en de code te noemen die dan verschijnt."
        )
    if check.replaced:
        return _(
            "De code klopt niet. Na 5 onjuiste pogingen is de code vervangen: vraag de persoon "
            "de pagina te vernieuwen en de nieuwe code te noemen."
        )
    return _("De code klopt niet. Nog %(n)d pogingen voor deze code.") % {"n": check.attempts_left}


def _check_in_chat(request, conversation, form) -> VerificationCode | None:
    """The person's code if the agent typed it right; else the reason goes on the form."""
    if not form.is_valid():
        return None
    check = services.verification_code_check(
        person=conversation.person,
        code=form.cleaned_data["code"],
        agent=request.user,
        request=request,
        channel="chat",
    )
    if not check.right:
        form.add_error("code", _refusal_text(check))
        return None
    return check.code


@helpdesk_required
@sensitive_post_parameters("verify-code")
@require_POST
def verify(request, pk):
    """ "Verifiëren": the agent types the code the person gave in the chat."""
    conversation, refusal = _mine_and_open(request, pk)
    if refusal:
        return refusal
    person, form = conversation.person, CodeForm(request.POST, prefix="verify")
    code = _check_in_chat(request, conversation, form)
    if code is not None:
        if services.person_verify(
            person=person, code=code, agent=request.user, request=request, channel="chat"
        ):
            messages.success(
                request, _("%(name)s is geverifieerd.") % {"name": person.get_full_name()}
            )
            return redirect("helpdesk:queue")
        form.add_error("code", CODE_GONE)
    return _conversation_page(request, conversation, status=400, verify_form=form)


@helpdesk_required
@sensitive_post_parameters("reset-code")
@require_POST
def reset(request, pk):
    """ "Authenticatiemiddel resetten", after the same check: the person's current code."""
    conversation, refusal = _mine_and_open(request, pk)
    if refusal:
        return refusal
    person, form = conversation.person, ResetForm(request.POST, prefix="reset")
    code = _check_in_chat(request, conversation, form)
    if code is not None:
        removed = services.factors_reset(
            person=person, code=code, agent=request.user, request=request, channel="chat"
        )
        if removed is not None:
            _say_reset(request, person, removed)
            return redirect("helpdesk:conversation", pk=pk)
        form.add_error("code", CODE_GONE)
    return _conversation_page(request, conversation, status=400, reset_form=form)


def _say_reset(request, person, removed: int) -> None:
    messages.success(
        request,
        _(
            "De authenticatiemiddelen van %(name)s zijn verwijderd (%(count)d) en de persoon is "
            "overal uitgelogd. Bij de volgende inlog kiest de persoon een nieuw "
            "authenticatiemiddel en verifieert de helpdesk opnieuw; er is een mail verstuurd."
        )
        % {"name": person.get_full_name(), "count": removed},
    )


@helpdesk_required
@require_POST
def close(request, pk):
    conversation, refusal = _mine_and_open(request, pk)
    if refusal:
        return refusal
    services.conversation_close(conversation=conversation, agent=request.user, request=request)
    messages.success(request, _("Het gesprek is gesloten."))
    return redirect("helpdesk:queue")


# The phone path


@helpdesk_required
@sensitive_post_parameters("code")
@never_cache
def phone(request):
    """ "Telefonisch verifiëren": look the account up by e-mail address and current code."""
    form = PhoneLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # Someone this agent does not serve is looked up like an address without an account:
        # the same answer, counted against the agent, and their code stays untouched.
        person = agents.people_served_by(request.user).filter(email=email).first()
        check = services.verification_code_check(
            person=person,
            code=form.cleaned_data["code"],
            agent=request.user,
            request=request,
            channel="phone",
            subject_email=email,
        )
        if check.right:
            request.session[CHECKED_SESSION_KEY] = {
                "person": person.pk,
                "code": check.code.pk,
                "at": time.time(),
            }
            return redirect("helpdesk:account", pk=person.pk)
        if check.outcome in SAID_ON_THE_PHONE_PAGE:
            form.add_error(None, _refusal_text(check))
        else:
            # The same answer whether or not the address has an account this agent serves.
            form.add_error(
                None,
                _(
                    "Dit e-mailadres en deze code horen niet bij elkaar, of de code is verlopen. "
                    "Controleer beide met de persoon; na 5 onjuiste pogingen wordt de code "
                    "vervangen."
                ),
            )
    return render(request, "helpdesk/phone.html", {"form": form, "tab": "phone"})


def _checked_code(request, pk) -> VerificationCode | None:
    """The code the agent checked on the phone page for this account, while still good."""
    checked = request.session.get(CHECKED_SESSION_KEY) or {}
    if checked.get("person") != pk or time.time() - checked.get("at", 0) > CHECKED_SECONDS:
        return None
    return (
        VerificationCode.objects.current()
        .filter(pk=checked.get("code"), user_id=pk, expires_at__gt=timezone.now())
        .first()
    )


def _checked_account(request, pk):
    """The account and its checked code, or a redirect to the phone page."""
    code = _checked_code(request, pk)
    if code is None:
        request.session.pop(CHECKED_SESSION_KEY, None)
        messages.info(request, _("Zoek het account op met het e-mailadres en de code."))
        return None, None, redirect("helpdesk:phone")
    person = get_object_or_404(
        agents.people_served_by(request.user).select_related(
            "organisation", "role", "invitation__invited_by"
        ),
        pk=pk,
    )
    return person, code, None


@helpdesk_required
@require_GET
@never_cache
def account(request, pk):
    """The account found on the phone, with "Verifiëren" and "Authenticatiemiddel resetten"."""
    person, _code, refusal = _checked_account(request, pk)
    if refusal:
        return refusal
    return render(request, "helpdesk/account.html", {**_facts(person), "tab": "phone"})


@helpdesk_required
@require_POST
def account_verify(request, pk):
    person, code, refusal = _checked_account(request, pk)
    if refusal:
        return refusal
    request.session.pop(CHECKED_SESSION_KEY, None)
    if person.is_identity_verified:
        messages.info(request, _("Dit account was al geverifieerd."))
    elif services.person_verify(
        person=person, code=code, agent=request.user, request=request, channel="phone"
    ):
        messages.success(request, _("%(name)s is geverifieerd.") % {"name": person.get_full_name()})
    else:
        messages.error(request, CODE_GONE)
    return redirect("helpdesk:phone")


@helpdesk_required
@require_POST
def account_reset(request, pk):
    person, code, refusal = _checked_account(request, pk)
    if refusal:
        return refusal
    request.session.pop(CHECKED_SESSION_KEY, None)
    removed = services.factors_reset(
        person=person, code=code, agent=request.user, request=request, channel="phone"
    )
    if removed is None:
        messages.error(request, CODE_GONE)
    else:
        _say_reset(request, person, removed)
    return redirect("helpdesk:phone")
