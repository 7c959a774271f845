// The postmortem editor: markdownx does the live preview; this adds the preview toggle
// for narrow screens, where editor and preview stack.
(function () {
  "use strict";
  document.querySelectorAll(".markdownx").forEach(function (box) {
    var textarea = box.querySelector("textarea");
    if (!textarea) return;
    // markdownx previews after typing stops; also preview what is there on load.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
