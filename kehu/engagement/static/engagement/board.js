// Work boards: drag a card to another column to change its day or state (SortableJS; no inline scripts).
// Issue 11: every drag has a menu alternative ("移到…" on a card), column counters follow each move, and
// on a phone one column is shown at a time with a switcher above the board. A move the server refuses
// (a drop into 已逾期, a day in the past) goes back and the reason is shown above the board.
(function () {
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }
  function moveBody(target) {
    var body = new URLSearchParams();
    if (target.dataset.column) { body.set("column", target.dataset.column); }
    if (target.dataset.state) { body.set("state", target.dataset.state); }
    if (target.dataset.column === "done") { body.set("state", "done"); }
    if (target.dataset.day) { body.set("planned_on", target.dataset.day); body.set("state", "todo"); }
    return body;
  }
  function post(board, id, target) {
    return fetch(board.dataset.moveUrl.replace("/0/", "/" + id + "/"), {
      method: "POST", body: moveBody(target), credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" }
    });
  }
  // A refused move says why above the board (issue 11: a card dropped into 已逾期 sprang back silently).
  function say(board, text) {
    var root = board.parentNode || document, box = root.querySelector("[data-board-message]");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }
  function refused(board, response) {
    var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
    if (!plain) { say(board, board.dataset.refusedText || ""); return; }
    response.text().then(function (text) { say(board, text); });
  }
  function recount(board) {
    var root = board.parentNode || document;
    board.querySelectorAll(".board-column").forEach(function (column) {
      var n = column.querySelectorAll("[data-testid^='card-']").length;
      root.querySelectorAll("[data-count-for='" + column.dataset.column + "']").forEach(function (badge) {
        badge.textContent = String(n);
      });
      var empty = column.querySelector(".board-empty");
      if (empty) { empty.hidden = n > 0; }
    });
  }
  function show(board, key) {
    var root = board.parentNode || document;
    board.querySelectorAll(".board-col").forEach(function (col) { col.classList.toggle("active", col.dataset.col === key); });
    root.querySelectorAll("[data-show-column]").forEach(function (button) {
      var on = button.dataset.showColumn === key;
      button.classList.toggle("active", on);
      button.setAttribute("aria-selected", on ? "true" : "false");
    });
  }
  function init() {
    document.querySelectorAll("[data-board]").forEach(function (board) {
      if (board.dataset.ready) { return; }
      board.dataset.ready = "1";
      var root = board.parentNode || document;
      root.querySelectorAll("[data-show-column]").forEach(function (button) {
        button.addEventListener("click", function () { show(board, button.dataset.showColumn); });
      });
      board.addEventListener("click", function (event) {
        var choice = event.target.closest("[data-move-to]");
        if (!choice) { return; }
        var card = choice.closest(".board-item"), target = board.querySelector(".board-column[data-column='" + choice.dataset.moveTo + "']");
        var details = choice.closest("details");
        if (details) { details.open = false; }
        if (!card || !target) { return; }
        post(board, card.dataset.id, target).then(function (response) {
          if (response.ok) { target.appendChild(card); recount(board); say(board, ""); } else { refused(board, response); }
        });
      });
      board.querySelectorAll(".board-column").forEach(function (column) {
        if (!window.Sortable || column.dataset.sortable) { return; }
        column.dataset.sortable = "1";
        window.Sortable.create(column, {
          group: "board", draggable: ".board-item", animation: 120,
          onAdd: function (event) {
            recount(board);
            post(board, event.item.dataset.id, event.to).then(function (response) {
              if (!response.ok) { event.from.appendChild(event.item); recount(board); refused(board, response); } else { say(board, ""); }
            });
          }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
