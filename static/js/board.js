// The board's quick owner and status forms are fetched when a row's owner or status is
// clicked, not rendered for every row. Without JavaScript the link opens the form as a page.
(function () {
  "use strict";
  var QUICK = "[data-quick-edit] td > a[href$='/owner/'], [data-quick-edit] td > a[href$='/status/']";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(QUICK);
    if (!link || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    var cell = link.closest("td");
    window.htmx.ajax("GET", link.href, { target: cell, swap: "innerHTML" }).then(function () {
      var field = cell.querySelector("input:not([type=hidden]), select");
      if (field) field.focus();
    });
  });
})();
