/* On every page, no inline script (for the Content-Security-Policy). */
(function () {
  "use strict";

  /* A page that answers a POST (a form back with its mistakes) becomes, in the history, the
   * plain GET of its address. Back from the next step then opens a page, not Chromium's
   * "Confirm Form Resubmission": our pages are never cached, so the browser would otherwise
   * have to post the form again to show it. The body says which pages answer a POST. */
  if (document.body.hasAttribute("data-answer-to-post") && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", window.location.href);
  }

  /* "Wachtwoord tonen": a checkbox under each password field (hidden without a script, where
   * it could do nothing). The field is a password field again before its form is sent, so
   * password managers still see a password. */
  document.querySelectorAll("[data-password-toggle]").forEach(function (checkbox) {
    var field = document.getElementById(checkbox.getAttribute("data-password-toggle"));
    if (!field) {
      return;
    }
    checkbox.checked = false;
    checkbox.addEventListener("change", function () {
      field.type = checkbox.checked ? "text" : "password";
    });
    if (field.form) {
      field.form.addEventListener("submit", function () {
        checkbox.checked = false;
        field.type = "password";
      });
    }
    var wrapper = checkbox.closest("[hidden]");
    if (wrapper) {
      wrapper.hidden = false;
    }
  });

  /* After a form comes back with mistakes, focus moves to the error summary, so that screen
   * readers read it out and keyboard users start from it (WCAG 3.3.1). Its links put the
   * focus in the field they name, not only scroll to it, so one can type the correction right
   * away. */
  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });
  summary.focus();
})();
