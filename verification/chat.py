"""What the person's chat page and the agent's console share: the poll and the send answer.

The poller (static/js/chat.js) asks for lines after the last one it has (`?na=`) and sends
back the version it was last given (`?v=`). While nothing changed the answer is an empty 204:
with Redis before any SQL query (`versions`), without it after reading the chat's row. Otherwise
the new lines come as an HTML fragment, rendered and escaped by the same template as the page,
inside a little JSON, with the person's place in the queue while they wait.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone

from . import services, versions
from .models import Conversation, Message
from .opening_hours import OpeningHours

# More than this many new lines at once (a long absence): the page reloads instead.
POLL_LIMIT = 100
# How far ahead a waiting poller's version looks for closing time; then it asks the database.
CLOSING_LOOKAHEAD = timedelta(days=1)


def is_fetch(request) -> bool:
    """Sent by chat.js; a plain form post (no JavaScript) gets a page instead."""
    return request.headers.get("X-Requested-With") == "fetch"


def lines_of(conversation):
    return conversation.messages.select_related("author").order_by("id")


def queue_context(conversation: Conversation, *, now) -> dict:
    """What a waiting person is told: their place in the queue and the expected wait."""
    if conversation.closed_at is not None or conversation.taken_by_id is not None:
        return {"waiting": False}
    estimate = services.wait_estimate(now=now)
    return {
        "waiting": True,
        "place": services.queue_place(conversation),
        "wait_minutes": None if estimate is None else round(estimate.total_seconds() / 60),
    }


def poll_answer(request, conversations: Callable[[], QuerySet], pk: int, *, viewer: str):
    """204 when nothing changed; else {"html", "last_id", "closed", "reload", "version"} and,
    for a waiting person, "queue"; 404 for others' chats. `conversations()` gives the chats
    the reader may see, asked only when the stamps do not answer (building a query costs)."""
    try:
        after = int(request.GET.get("na", "0"))
    except ValueError:
        return HttpResponseBadRequest("na must be a message id")
    seen = request.GET.get("v")  # None: a poller that wants the lines only
    now = timezone.now()
    if seen and _stamps_unchanged(pk, seen, now):
        return HttpResponse(status=204)
    # The stamps are read before the database, so a change the query misses replaces them.
    stamps = versions.stamps([versions.conversation_key(pk), versions.QUEUE_KEY])
    conversation = (
        conversations()
        .filter(pk=pk)
        .only("pk", "created_at", "closed_at", "taken_by", "last_message_id", "person")
        .first()
    )
    if conversation is None:
        return HttpResponse(status=404)
    if services.conversation_close_if_closing_passed(conversation=conversation, now=now):
        conversation.refresh_from_db(fields=["last_message_id"])
    shows_queue = viewer == "person" and seen is not None
    queue = queue_context(conversation, now=now) if shows_queue else {"waiting": False}
    version = _version(stamps, pk, queue, now)
    closed = not conversation.is_open
    if conversation.last_message_id <= after and not closed and seen in (None, version):
        return HttpResponse(status=204)
    lines = []
    if conversation.last_message_id > after:
        lines = list(
            Message.objects.filter(conversation_id=pk, id__gt=after)
            .select_related("author")
            .order_by("id")[:POLL_LIMIT]
        )
    answer = {
        "html": render_to_string(
            "verification/_lines.html", {"lines": lines, "viewer": viewer}, request=request
        )
        if lines
        else "",
        "last_id": lines[-1].pk if lines else after,
        "closed": closed,
        "reload": len(lines) == POLL_LIMIT,
        "version": version,
    }
    if shows_queue:
        answer["queue"] = render_to_string("verification/_queue.html", queue, request=request)
    return JsonResponse(answer)


def _version(stamps: dict, pk: int, queue: dict, now) -> str:
    """What the poller sends back: the cache's stamps (the cheap check) and what it shows
    besides the lines (the place and the wait, checked after the database)."""
    shown = f"{queue['place']}-{queue['wait_minutes']}" if queue["waiting"] else ""
    conversation_stamp = stamps.get(versions.conversation_key(pk))
    queue_stamp = stamps.get(versions.QUEUE_KEY)
    if conversation_stamp is None or (queue["waiting"] and queue_stamp is None):
        return f"~{shown}"  # no stamps: only the database can say what changed
    if not queue["waiting"]:
        return conversation_stamp
    horizon = now + CLOSING_LOOKAHEAD
    closing = OpeningHours.from_settings().next_closing(now, until=horizon) or horizon
    return f"{conversation_stamp}.{queue_stamp}.{int(closing.timestamp())}~{shown}"


def _stamps_unchanged(pk: int, seen: str, now) -> bool:
    """The cheap check: the stamps the poller saw are still the cache's, no SQL at all."""
    cheap = seen.split("~", 1)[0]
    if not cheap:
        return False
    parts = cheap.split(".")
    if len(parts) == 1:
        return versions.unchanged([versions.conversation_key(pk)], parts)
    if len(parts) != 3 or not parts[2].isdigit() or now.timestamp() >= int(parts[2]):
        return False  # closing time may have come: the database says what it did
    return versions.unchanged([versions.conversation_key(pk), versions.QUEUE_KEY], parts[:2])


def send_answer(request, conversation, form, *, kind: str, page, success_url: str):
    """Add the line, or say why not: 204/JSON for chat.js, a redirect or the page otherwise."""
    if form.is_valid():
        try:
            services.message_send(
                conversation=conversation,
                author=request.user,
                kind=kind,
                text=form.cleaned_data["text"],
            )
        except services.MessageRefused as refused:
            form.add_error("text", refused.message)
            status = refused.status
        else:
            if is_fetch(request):
                return HttpResponse(status=204)
            return redirect(success_url)
    else:
        status = 400
    if is_fetch(request):
        errors = [error["message"] for error in form.errors.get_json_data().get("text", [])]
        return JsonResponse({"errors": errors}, status=status)
    return page(form, status)
