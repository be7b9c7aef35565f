"""The person's side of verification (manual 2.6): the code, the opening hours and the chat.

Until the helpdesk verifies the account, the journey gate lets a fully logged-in person reach
only these pages and "Uitloggen" (Stage.HELPDESK).
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from zorgportaal.journey import Stage, stages

from . import chat, services
from .forms import MessageForm
from .models import Conversation, Message
from .opening_hours import OpeningHours, format_next_opening


def _hours(now) -> dict:
    """Whether the chat can start now, the sentence for the page, and when it opens next."""
    hours = OpeningHours.from_settings()
    next_opening = hours.next_opening(now)
    return {
        "chat_open": hours.is_open(now),
        "hours_sentence": hours.describe(),
        "next_opening": format_next_opening(next_opening, now) if next_opening else "",
    }


def _start_page(request, *, status=200, refused=False):
    now = timezone.now()
    conversation = Conversation.objects.open().filter(person=request.user).first()
    if conversation and services.conversation_close_if_closing_passed(
        conversation=conversation, now=now
    ):
        conversation = None
    context = {
        "code": services.code_current(user=request.user, now=now),
        "conversation": conversation,
        "refused": refused,
        **_hours(now),
    }
    return render(request, "verification/start.html", context, status=status)


@stages(Stage.HELPDESK)
@never_cache
def start(request):
    """ "Welkom op het Topicus Zorgportaal": the code and the way to the chat."""
    return _start_page(request)


@stages(Stage.HELPDESK)
@require_GET
@never_cache
def start_poll(request):
    """Asked by verification.js every few seconds: 204 while the person waits for the helpdesk.
    Once an agent has verified them (by phone, say) the journey gate answers instead, with a
    redirect to the portal, and the page follows it. No query of its own."""
    return HttpResponse(status=204)


@stages(Stage.HELPDESK)
@require_POST
def chat_start(request):
    """ "Klik hier om de chat te starten"; refused outside opening hours, whatever the page said."""
    try:
        conversation = services.conversation_start(person=request.user, request=request)
    except services.ChatClosed:
        return _start_page(request, status=409, refused=True)
    return redirect("verification:chat", pk=conversation.pk)


def _own_conversation(request, pk) -> Conversation:
    """Only the person's own chats: another account's id is a 404, like one that never was."""
    return get_object_or_404(
        Conversation.objects.select_related("taken_by"), pk=pk, person=request.user
    )


def _chat_page(request, conversation, form=None, status=200):
    now = timezone.now()
    services.conversation_close_if_closing_passed(conversation=conversation, now=now)
    lines = list(chat.lines_of(conversation))
    context = {
        **chat.queue_context(conversation, now=now),
        "conversation": conversation,
        "lines": lines,
        "last_id": lines[-1].pk if lines else 0,
        "form": form or MessageForm(),
        "code": services.code_current(user=request.user),
        "viewer": "person",
    }
    return render(request, "verification/chat.html", context, status=status)


@stages(Stage.HELPDESK)
@never_cache
def chat_page(request, pk):
    """The chat as a page; chat.js adds new lines without reloading, but it works without."""
    return _chat_page(request, _own_conversation(request, pk))


@stages(Stage.HELPDESK)
@sensitive_post_parameters("text")  # people type their code in the chat
@require_POST
def chat_send(request, pk):
    conversation = _own_conversation(request, pk)
    services.conversation_close_if_closing_passed(conversation=conversation)  # then refused
    return chat.send_answer(
        request,
        conversation,
        MessageForm(request.POST),
        kind=Message.Kind.PERSON,
        page=lambda form, status: _chat_page(request, conversation, form, status),
        success_url=reverse("verification:chat", kwargs={"pk": pk}) + "#bericht",
    )


@stages(Stage.HELPDESK)
@require_GET
@never_cache
def chat_poll(request, pk):
    """New lines after ?na=<id>, the place in the queue while waiting. Once the account is
    verified the gate answers with a redirect to the portal, which chat.js follows by
    reloading the page."""
    return chat.poll_answer(
        request, lambda: Conversation.objects.filter(person=request.user), pk, viewer="person"
    )


@stages(Stage.SECOND_FACTOR)
@never_cache
def lost_factor(request):
    """ "Authenticatiemiddel kwijt of geblokkeerd?": the code to give the helpdesk by phone.

    Shown after the password only, because the second factor is what is missing; the agent
    checks who is calling before resetting, and the person gets a mail about the reset.
    """
    now = timezone.now()
    context = {"code": services.code_current(user=request.user, now=now), **_hours(now)}
    return render(request, "verification/lost_factor.html", context)
