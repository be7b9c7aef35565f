/* The chat on the person's page and in the helpdesk console.
 *
 * Polls for the lines after the last one on the page, sending back the version the last answer
 * gave: the server answers 204 when nothing changed (with Redis before any query), so waiting
 * costs little. While the person waits, the answer also holds their place in the queue and the
 * expected wait, swapped into #chat-queue (a status region). Sends the form without a reload. Without JavaScript the page
 * still works: the form posts and redirects back, and reloading shows new lines.
 * No inline script or style anywhere, for the Content-Security-Policy.
 */
(function () {
  "use strict";

  var INTERVAL = 3000;
  var MAX_INTERVAL = 30000;
  var CLOSE_PAUSE = 2500; // let a screen reader say the last line before the page moves on

  var lines = document.getElementById("chat-lines");
  var queue = document.getElementById("chat-queue");
  var form = document.querySelector("form[data-chat-form]");
  if (!lines || !window.fetch) {
    return;
  }

  var delay = INTERVAL;
  var timer = null;
  var busy = false;
  var again = false;

  function headers() {
    return { Accept: "application/json", "X-Requested-With": "fetch" };
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    if (lines.dataset.pollUrl) {
      timer = window.setTimeout(poll, ms);
    }
  }

  function said(element) {
    return element.textContent.replace(/\s+/g, " ").trim();
  }

  function textOf(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return said(template.content);
  }

  function append(html) {
    lines.insertAdjacentHTML("beforeend", html);
    var empty = document.getElementById("chat-empty");
    if (empty) {
      empty.remove();
    }
    if (lines.lastElementChild) {
      lines.lastElementChild.scrollIntoView({ block: "nearest" });
    }
  }

  function poll() {
    if (!lines.dataset.pollUrl) {
      return;
    }
    if (busy) {
      again = true;
      return;
    }
    if (document.hidden) {
      schedule(delay); // visibilitychange polls as soon as the page is seen again
      return;
    }
    busy = true;
    var url =
      lines.dataset.pollUrl +
      "?na=" +
      encodeURIComponent(lines.dataset.lastId || "0") +
      "&v=" +
      encodeURIComponent(lines.dataset.version || "");
    fetch(url, { credentials: "same-origin", redirect: "manual", headers: headers() })
      .then(function (response) {
        if (response.type === "opaqueredirect") {
          // The journey moved on (verified, factor reset, logged out): the server knows where.
          window.location.reload();
          return null;
        }
        if (response.status === 204) {
          return {};
        }
        if (!response.ok) {
          throw new Error("poll answered " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data === null) {
          return;
        }
        delay = INTERVAL;
        if (data.reload) {
          window.location.reload();
          return;
        }
        if (data.html) {
          append(data.html);
        }
        if (data.last_id !== undefined) {
          lines.dataset.lastId = data.last_id;
        }
        if (data.version !== undefined) {
          lines.dataset.version = data.version;
        }
        if (queue && data.queue !== undefined && textOf(data.queue) !== said(queue)) {
          queue.innerHTML = data.queue; // only a change: screen readers say it again
        }
        if (data.closed) {
          lines.removeAttribute("data-poll-url");
          window.setTimeout(function () {
            window.location.reload();
          }, CLOSE_PAUSE);
          return;
        }
        schedule(delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, MAX_INTERVAL);
        schedule(delay);
      })
      .finally(function () {
        busy = false;
        if (again) {
          again = false;
          poll();
        }
      });
  }

  function enhanceForm() {
    var textarea = form.querySelector("textarea");
    var button = form.querySelector("button[type=submit]");
    var error = document.getElementById("chat-error");

    function showError(text) {
      error.textContent = text;
      error.hidden = !text;
      if (text) {
        textarea.setAttribute("aria-invalid", "true");
      } else {
        textarea.removeAttribute("aria-invalid");
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
        headers: headers(),
      })
        .then(function (response) {
          if (response.status === 204) {
            textarea.value = "";
            showError("");
            poll();
            return;
          }
          if (response.type === "opaqueredirect") {
            window.location.reload();
            return;
          }
          return response.json().then(function (data) {
            showError((data.errors || []).join(" ") || form.dataset.errorFailed);
          });
        })
        .catch(function () {
          showError(form.dataset.errorFailed);
        })
        .finally(function () {
          button.disabled = false;
          textarea.focus();
        });
    });

    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  if (form && window.FormData) {
    enhanceForm();
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      delay = INTERVAL;
      schedule(0);
    }
  });
  schedule(INTERVAL);
})();
