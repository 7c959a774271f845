// Notes that follow what is typed: the zone a time is read in, a due date already past.
(function () {
  "use strict";

  function helpFor(input) {
    var id = (input.getAttribute("aria-describedby") || "").split(" ")[0];
    return id ? document.getElementById(id) : null;
  }

  function zoneName(select) {
    var value = select.value || "UTC";
    var match = /^Etc\/GMT([+-])(\d+)$/.exec(value);
    // IANA inverts the sign of the Etc/GMT zones: Etc/GMT-2 is GMT+2.
    if (match) return "GMT" + (match[1] === "-" ? "+" : "-") + match[2];
    return value === "Etc/UTC" ? "UTC" : value;
  }

  function updateZoneNotes(root) {
    root.querySelectorAll("[data-zone-note]").forEach(function (input) {
      var form = input.form;
      var select = form && form.elements.namedItem(input.getAttribute("data-zone-note"));
      var help = helpFor(input);
      if (!select || !help) return;
      help.textContent = help.textContent.replace(/^Read in [^,]+,/, "Read in " + zoneName(select) + ",");
    });
  }

  function updateDueNote(input) {
    var help = helpFor(input);
    var today = input.getAttribute("data-today");
    if (!help || !today) return;
    if (!help.hasAttribute("data-default")) help.setAttribute("data-default", help.textContent);
    var past = input.value && input.value < today;
    help.textContent = past ? "Already overdue: this date is before today (" + today + ")." : help.getAttribute("data-default");
    help.classList.toggle("note-overdue", Boolean(past));
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select, input")) {
      if (target.hasAttribute("data-today")) updateDueNote(target);
      if (target.form) updateZoneNotes(target.form);
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-today")) updateDueNote(event.target);
  });
  function init(root) {
    updateZoneNotes(root);
    root.querySelectorAll("input[data-today]").forEach(function (input) {
      if (input.value && input.value < input.getAttribute("data-today")) updateDueNote(input);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.detail.elt || document); });
})();
// Filters that sit in a left column on wide screens start open there.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.matchMedia("(min-width: 1100px)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) { details.open = true; });
});
// Panels that would fill a phone's first screen (the board's filters and bulk change) start
// closed there, behind their summary; the server leaves them open for wider screens.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.matchMedia("(max-width: 700px)").matches) return;
  document.querySelectorAll("details[data-closed-narrow]").forEach(function (details) { details.open = false; });
});
// In the left column the filters stay open: their summary is a heading there, not a toggle.
document.addEventListener("click", function (event) {
  "use strict";
  var summary = event.target.closest && event.target.closest("details[data-open-wide] > summary");
  if (summary && window.matchMedia("(min-width: 1100px)").matches && summary.parentElement.open) {
    event.preventDefault();
  }
});
// The header's "More" menu closes when a click lands outside it, or on Escape.
document.addEventListener("click", function (event) {
  "use strict";
  document.querySelectorAll(".nav-more details[open]").forEach(function (details) {
    if (!details.contains(event.target)) details.open = false;
  });
});
document.addEventListener("keydown", function (event) {
  "use strict";
  if (event.key !== "Escape") return;
  document.querySelectorAll(".nav-more details[open]").forEach(function (details) {
    details.open = false;
    details.querySelector("summary").focus();
  });
});
// Parts of a form that belong to one choice (data-shown-when="name=value") are shown only
// while that choice is picked, e.g. the GitHub or the Jira fields of a tracker; several
// choices are separated by commas (data-shown-when="kind=github,gitlab").
(function () {
  "use strict";
  function update(form) {
    form.querySelectorAll("[data-shown-when]").forEach(function (part) {
      var rule = part.getAttribute("data-shown-when").split("=");
      var picked = form.querySelector('[name="' + rule[0] + '"]:checked') ||
        form.querySelector('select[name="' + rule[0] + '"]');
      part.hidden = !picked || rule[1].split(",").indexOf(picked.value) === -1;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-shown-when]")) update(form);
    });
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.querySelector("[data-shown-when]")) update(form);
  });
})();
