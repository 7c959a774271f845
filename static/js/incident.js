// Small helpers for the incident page; htmx does the in-place editing.
(function () {
  "use strict";
  // After a swap, move focus to the changed section so keyboard and screen reader users
  // hear what happened, without scrolling the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var section = document.getElementById(target.id) || target;
    var heading = section && section.querySelector && section.querySelector("h2");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    var firstError = section && section.querySelector && section.querySelector(".errorlist");
    if (firstError) {
      var details = firstError.closest("details");
      if (details) details.open = true;
    }
  });
})();
