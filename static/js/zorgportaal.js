/* On every page, no inline script (for the Content-Security-Policy).
 *
 * After a form comes back with mistakes, focus moves to the error summary, so that screen
 * readers read it out and keyboard users start from it (WCAG 3.3.1). Its links put the focus
 * in the field they name, not only scroll to it, so one can type the correction right away.
 */
(function () {
  "use strict";
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
