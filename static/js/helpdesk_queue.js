/* The helpdesk queue refreshes itself: every 15 seconds the page is fetched again and the queue
 * part swapped in, unless the agent is working inside it (keyboard focus stays where it is).
 * A change in the number of waiting chats is announced to screen readers.
 */
(function () {
  "use strict";

  var INTERVAL = 15000;
  var queue = document.getElementById("queue");
  var announcer = document.getElementById("queue-announcer");
  if (!queue || !window.fetch || !window.DOMParser) {
    return;
  }

  function waitingText(root) {
    var heading = root.querySelector("#waiting-heading");
    return heading ? heading.textContent.trim() : "";
  }

  function refresh() {
    if (document.hidden || queue.contains(document.activeElement)) {
      return;
    }
    fetch(queue.dataset.refreshUrl, { credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect") {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue");
        if (!fresh) {
          return;
        }
        var before = waitingText(queue);
        queue.innerHTML = fresh.innerHTML;
        var after = waitingText(queue);
        if (announcer && after !== before) {
          announcer.textContent = after;
        }
      })
      .catch(function () {});
  }

  window.setInterval(refresh, INTERVAL);
})();
