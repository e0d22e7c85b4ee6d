// Work boards: drag a card to another column to change its day or state (SortableJS; no inline scripts).
(function () {
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }
  function init() {
    document.querySelectorAll("[data-board]").forEach(function (board) {
      var moveUrl = board.dataset.moveUrl;
      board.querySelectorAll(".board-column").forEach(function (column) {
        if (!window.Sortable || column.dataset.sortable) { return; }
        column.dataset.sortable = "1";
        window.Sortable.create(column, {
          group: "board", draggable: ".board-item", animation: 120,
          onAdd: function (event) {
            var target = event.to, body = new URLSearchParams();
            if (target.dataset.state) { body.set("state", target.dataset.state); }
            if (target.dataset.column === "done") { body.set("state", "done"); }
            if (target.dataset.day) { body.set("planned_on", target.dataset.day); body.set("state", "todo"); }
            fetch(moveUrl.replace("/0/", "/" + event.item.dataset.id + "/"), {
              method: "POST", body: body, credentials: "same-origin",
              headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" }
            }).then(function (response) {
              if (!response.ok) { event.from.appendChild(event.item); }
            });
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
