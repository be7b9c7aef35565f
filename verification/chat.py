"""What the person's chat page and the agent's console share: the poll and the send answer.

The poller (static/js/chat.js) asks for lines after the last one it has. When nothing is new
the answer is an empty 204 after one small query; otherwise the new lines come as an HTML
fragment, rendered and escaped by the same template as the page, inside a little JSON.
"""

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string

from . import services
from .models import Message

# More than this many new lines at once (a long absence): the page reloads instead.
POLL_LIMIT = 100


def is_fetch(request) -> bool:
    """Sent by chat.js; a plain form post (no JavaScript) gets a page instead."""
    return request.headers.get("X-Requested-With") == "fetch"


def lines_of(conversation):
    return conversation.messages.select_related("author").order_by("id")


def poll_answer(request, conversations, pk: int, *, viewer: str):
    """204 when nothing is new; else {"html", "last_id", "closed"}; 404 for others' chats."""
    try:
        after = int(request.GET.get("na", "0"))
    except ValueError:
        return HttpResponseBadRequest("na must be a message id")
    state = conversations.filter(pk=pk).values("closed_at", "last_message_id").first()
    if state is None:
        return HttpResponse(status=404)
    closed = state["closed_at"] is not None
    if state["last_message_id"] <= after and not closed:
        return HttpResponse(status=204)
    lines = list(
        Message.objects.filter(conversation_id=pk, id__gt=after)
        .select_related("author")
        .order_by("id")[:POLL_LIMIT]
    )
    html = render_to_string(
        "verification/_lines.html", {"lines": lines, "viewer": viewer}, request=request
    )
    return JsonResponse(
        {
            "html": html,
            "last_id": lines[-1].pk if lines else after,
            "closed": closed,
            "reload": len(lines) == POLL_LIMIT,
        }
    )


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
