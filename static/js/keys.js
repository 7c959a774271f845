// Keyboard shortcuts: "/" search, "j"/"k" move through a list, "Enter" opens, "e" edits,
// "?" lists them. Ignored while typing in a field or with a modifier key held.
(function () {
  "use strict";
  var SHORTCUTS = [
    ["/", "Focus the search or filter field"],
    ["j", "Next row of the list"],
    ["k", "Previous row of the list"],
    ["Enter", "Open the selected row"],
    ["e", "Edit the selected row, or this page's incident"],
    ["?", "Show these shortcuts"],
    ["Esc", "Close this list"]
  ];
  var current = null;

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function rows() {
    var list = document.querySelector("[data-list] tbody") || document.querySelector("main .table tbody");
    if (!list) return [];
    return Array.prototype.filter.call(list.rows, function (row) { return row.querySelector("a"); });
  }

  function select(row) {
    if (current) current.classList.remove("is-current");
    current = row;
    row.classList.add("is-current");
    var link = row.querySelector("a");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current);
    if (index === -1) index = step > 0 ? -1 : all.length;
    select(all[Math.max(0, Math.min(all.length - 1, index + step))]);
  }

  function edit() {
    var target = (current && current.isConnected && current.querySelector("[data-shortcut='edit-row']")) ||
      document.querySelector("[data-shortcut='edit']");
    if (target) target.click();
  }

  function search() {
    // The header's search box searches everything; a page without it has its own filter.
    var field = document.getElementById("header-search") ||
      document.querySelector("main input[type=search], main input[name=q]");
    if (field) { field.focus(); field.select(); }
  }

  var dialog = null;
  function help() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "shortcuts";
      dialog.setAttribute("aria-labelledby", "shortcuts-title");
      var title = document.createElement("h2");
      title.id = "shortcuts-title";
      title.textContent = "Keyboard shortcuts";
      var list = document.createElement("dl");
      SHORTCUTS.forEach(function (pair) {
        var key = document.createElement("dt");
        var kbd = document.createElement("kbd");
        kbd.textContent = pair[0];
        key.appendChild(kbd);
        var what = document.createElement("dd");
        what.textContent = pair[1];
        list.appendChild(key);
        list.appendChild(what);
      });
      var close = document.createElement("button");
      close.type = "button";
      close.className = "button";
      close.textContent = "Close";
      close.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(title);
      dialog.appendChild(list);
      dialog.appendChild(close);
      document.body.appendChild(dialog);
    }
    if (!dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (dialog && dialog.open) return;
    var key = event.key;
    if (key === "/") { event.preventDefault(); search(); }
    else if (key === "j") { event.preventDefault(); move(1); }
    else if (key === "k") { event.preventDefault(); move(-1); }
    else if (key === "e") { event.preventDefault(); edit(); }
    else if (key === "?") { event.preventDefault(); help(); }
  });
})();
