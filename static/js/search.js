// "/" anywhere outside a field puts the cursor in the header's search box.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var box = document.getElementById("header-search");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
