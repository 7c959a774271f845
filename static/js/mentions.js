// @mention completion: in any textarea inside an element with data-mention-url, typing
// "@" and a few letters lists the people who may see the incident; Enter, Tab or a click
// puts "@username " in the text. No inline script or style: the CSP is strict.
(function () {
  "use strict";
  var TYPED = /(^|[^\w@\/])@([\w.+-]{0,30})$/;
  var counter = 0;

  function attach(textarea, url) {
    if (textarea.dataset.mentions) return;
    textarea.dataset.mentions = "on";
    var list = document.createElement("ul");
    list.className = "mention-list";
    list.id = "mention-list-" + (++counter);
    list.setAttribute("role", "listbox");
    list.hidden = true;
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", list.id);
    var people = [], active = -1, start = -1, timer = null, asked = "";

    function close() {
      list.hidden = true;
      people = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) textarea.setAttribute("aria-activedescendant", list.id + "-" + index);
    }

    function choose(index) {
      var person = people[index];
      if (!person) return;
      var caret = textarea.selectionStart;
      var before = textarea.value.slice(0, start) + "@" + person.username + " ";
      textarea.value = before + textarea.value.slice(caret);
      textarea.setSelectionRange(before.length, before.length);
      close();
      textarea.focus();
    }

    function show(found) {
      people = found;
      list.textContent = "";
      found.forEach(function (person, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.textContent = person.name + " (@" + person.username + ")";
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(item);
      });
      list.hidden = found.length === 0;
      highlight(found.length ? 0 : -1);
    }

    function ask(query) {
      asked = query;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (data) { if (asked === query) show(data.people || []); })
        .catch(close);
    }

    textarea.addEventListener("input", function () {
      var typed = TYPED.exec(textarea.value.slice(0, textarea.selectionStart));
      if (!typed) { close(); return; }
      start = textarea.selectionStart - typed[2].length - 1;
      clearTimeout(timer);
      timer = setTimeout(function () { ask(typed[2]); }, 120);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + people.length) % people.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() {
    document.querySelectorAll("[data-mention-url]").forEach(function (scope) {
      scope.querySelectorAll("textarea").forEach(function (textarea) {
        attach(textarea, scope.dataset.mentionUrl);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
