// Small helpers for the incident page; htmx does the in-place editing.
(function () {
  "use strict";
  // After a swap, put focus where a keyboard user continues: the first field with an
  // error, else the first field of the add form left open, else the section heading.
  document.addEventListener("htmx:afterSwap", function (event) {
    var section = event.detail.target;
    if (!section || !section.isConnected) {
      section = document.getElementById(event.detail.target.id);
    }
    if (!section || !section.querySelector) return;
    // A part the page loads by itself (the similar incidents) takes no focus from the reader.
    if (section.hasAttribute("data-keep-focus")) return;
    var error = section.querySelector(".errorlist");
    var field = null;
    if (error) {
      var wrapper = error.closest("div") || section;
      field = wrapper.querySelector("input:not([type=hidden]), select, textarea");
    } else {
      var open = section.querySelector("details[open] form");
      field = open && open.querySelector("input:not([type=hidden]), select, textarea");
    }
    if (!field) {
      field = section.querySelector("h2");
      if (field) field.setAttribute("tabindex", "-1");
    }
    if (field) field.focus({ preventScroll: true });
  });
})();
