// The header's unread notification count, fetched after the page so that no page pays a
// query for it; refreshed when the tab comes back into view and once a minute.
(function () {
  "use strict";
  function refresh() {
    var link = document.querySelector("[data-unread-url]");
    if (!link) return;
    // The link's badge, and the menu button's on a phone where the links fold away.
    var badges = document.querySelectorAll(".app-nav .unread-count");
    fetch(link.dataset.unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        badges.forEach(function (badge) {
          badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
          badge.hidden = data.unread === 0;
        });
        link.setAttribute("aria-label", "Notifications, " + data.unread + " unread");
      })
      .catch(function () {});
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") refresh();
  });
  setInterval(refresh, 60000);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
