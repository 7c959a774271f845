// Searchable pickers: Tom Select on the zone, people, service and tag fields. The plain
// <select> (or text field with a datalist) works on its own; this only enhances it.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;

  var SELECTOR = [
    "select[data-picker]",
    "select[multiple]",
    "input[data-picker][list]",
    ".stacked-form select[name$='commander']",
    ".stacked-form select[name$='owner']",
    ".stacked-form select[name$='team']"
  ].join(",");

  function optionsFromDatalist(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return [];
    return Array.prototype.map.call(list.options, function (option) {
      return { value: option.value, text: option.textContent || option.value };
    });
  }

  function enhance(element) {
    if (element.tomselect || element.closest("[data-no-picker]")) return;
    var settings = {
      maxOptions: 1000,
      allowEmptyOption: true,
      hidePlaceholder: false,
      // Match "berlin" in "Europe/Berlin (UTC+01:00)", "ali" in "alice".
      searchField: ["text", "value"],
      plugins: {}
    };
    if (element.multiple) {
      settings.plugins.remove_button = { title: "Remove" };
      settings.plugins.checkbox_options = {};
      settings.hidePlaceholder = true;
    }
    if (element.tagName === "INPUT") {
      var current = element.value;
      settings.options = optionsFromDatalist(element);
      var url = element.getAttribute("data-options-url");
      if (url) {
        // People: their <option>s are fetched the first time the picker opens, as the
        // board's datalist is, so the page does not carry every user.
        var loaded = false;
        settings.preload = "focus";
        settings.shouldLoad = function () { return !loaded; };
        settings.load = function (query, callback) {
          loaded = true;
          fetch(url, { credentials: "same-origin" })
            .then(function (response) { return response.text(); })
            .then(function (html) {
              var holder = document.createElement("datalist");
              holder.innerHTML = html;  // <option>s built by the server with escaping
              callback(Array.prototype.map.call(holder.options, function (option) {
                var name = option.textContent;
                return { value: option.value, text: name ? name + " (" + option.value + ")" : option.value };
              }));
            })
            .catch(function () { loaded = false; callback(); });
        };
        settings.create = false;  // a person is picked, never typed in
      }
      if (current && !settings.options.some(function (o) { return o.value === current; })) {
        settings.options.unshift({ value: current, text: current });  // kept, to be corrected
      }
      element.removeAttribute("list");
      settings.maxItems = 1;
      if (!url) {
        settings.create = true;  // the server names a zone it does not know
        settings.createOnBlur = true;
      }
      settings.persist = false;
      settings.items = current ? [current] : [];
      settings.valueField = "value";
      settings.labelField = "text";
    }
    var label = element.id ? document.querySelector("label[for='" + element.id + "']") : null;
    var picker;
    try {
      picker = new window.TomSelect(element, settings);
    } catch (error) {
      // A picker that fails leaves the plain field, which still works.
      if (window.console) window.console.warn("picker not enhanced", error);
      return;
    }
    // The <label> keeps naming the field the form submits (Tom Select would move it to its
    // search box); the search box is named by its title instead, the list by its own.
    if (label) {
      label.setAttribute("for", element.id);
      label.addEventListener("click", function (event) { event.preventDefault(); picker.focus(); });
    }
    var search = picker.control_input;
    search.removeAttribute("aria-labelledby");
    search.setAttribute("aria-label", "Search choices");
    if (label) {
      if (!label.id) label.id = element.id + "-label";
      search.setAttribute("aria-describedby", label.id);
    }
    var list = picker.dropdown_content;
    if (list) {
      list.removeAttribute("aria-labelledby");
      list.setAttribute("aria-label", "Matching choices");
    }
    // A script (or a test) that sets the field itself: show its value in the picker too.
    element.addEventListener("change", function () {
      var shown = [].concat(picker.getValue()).map(String).sort().join("\n");
      var actual = element.tagName === "SELECT"
        ? Array.prototype.filter.call(element.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; }).sort().join("\n")
        : element.value;
      if (shown !== actual) picker.sync();
    });
  }

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(SELECTOR).forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.detail.elt || document); });
  // Forms inside a closed <details> are enhanced when opened, so their width is known.
  document.addEventListener("toggle", function (event) {
    if (event.target.open) init(event.target);
  }, true);
})();
