/* "Welkom op het Topicus Zorgportaal": the page moves on by itself once the helpdesk has
 * verified the person, by phone say, as the chat page does.
 *
 * Asks /verificatie/status/ every few seconds: 204 while the person waits (no query of its
 * own); once verified, the journey gate answers with a redirect, and the page reloads to let
 * the server send it on. Without JavaScript the page says to reload it.
 */
(function () {
  "use strict";

  var INTERVAL = 5000;
  var MAX_INTERVAL = 60000;

  var status = document.getElementById("moves-on");
  if (!status || !status.dataset.pollUrl || !window.fetch) {
    return;
  }
  status.hidden = false;

  var delay = INTERVAL;
  var timer = null;

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, ms);
  }

  function poll() {
    if (document.hidden) {
      return; // visibilitychange asks again as soon as the page is seen
    }
    fetch(status.dataset.pollUrl, {
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (response.type === "opaqueredirect") {
          window.location.reload(); // verified, reset or logged out: the server knows where
          return;
        }
        delay = response.ok ? INTERVAL : Math.min(delay * 2, MAX_INTERVAL);
        schedule(delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, MAX_INTERVAL);
        schedule(delay);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      delay = INTERVAL;
      schedule(0);
    }
  });
  schedule(INTERVAL);
})();
