// The shared header, the customer picker and keyboard shortcuts (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // --- collapsing navigation (phones) -----------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-wb-toggle]");
    if (!button) { return; }
    var target = document.querySelector(button.getAttribute("data-wb-toggle"));
    if (!target) { return; }
    var open = target.classList.toggle("show");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // --- type-ahead customer picker ---------------------------------------------------------------
  // <input data-customer-picker="/workbench/pick/customers/" data-pick-value="name|number">
  function picker(input) {
    var url = input.getAttribute("data-customer-picker");
    var wanted = input.getAttribute("data-pick-value") || "name";
    var wrap = document.createElement("div");
    wrap.className = "wb-picker";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    list.className = "wb-picker-list";
    list.setAttribute("role", "listbox");
    list.id = (input.id || "customer") + "-options";
    list.hidden = true;
    wrap.appendChild(list);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    var timer = null, seq = 0, results = [], active = -1;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function choose(index) {
      var row = results[index];
      if (!row) { return; }
      var sameName = results.filter(function (r) { return r.name === row.name; }).length > 1;
      input.value = (wanted === "number" || sameName) ? row.number : row.name;
      input.setAttribute("data-picked-id", row.id);
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function render() {
      list.innerHTML = "";
      results.forEach(function (row, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("data-testid", "pick-option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.textContent = row.name;
        var small = document.createElement("small");
        small.textContent = row.number + " · " + row.grade;
        li.appendChild(small);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }
    function ask() {
      var q = input.value.trim();
      if (q.length < 2) { results = []; render(); return; }
      var mine = ++seq;
      fetch(url + (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (mine === seq) { results = data.results || []; active = -1; render(); } })
        .catch(function () { /* the field still accepts a typed archive number or full name */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 200); });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown") { active = Math.min(active + 1, results.length - 1); render(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(active - 1, 0); render(); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { choose(active); e.preventDefault(); }
      else if (e.key === "Escape") { close(); }
    });
  }

  // --- keyboard shortcuts -------------------------------------------------------------------------
  var GO = { c: "/customers/", s: "/service/", h: "/", m: "/workbench/messages/", e: "/engagement/" };
  var pendingG = 0;

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  function help(show) {
    var box = document.getElementById("wb-help");
    if (!box) { return; }
    box.hidden = show === undefined ? !box.hidden : !show;
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "Escape") { help(false); return; }
    if (typing(e.target)) { return; }
    if (e.key === "/") {
      var search = document.querySelector("input[type=search], input[name=q]");
      e.preventDefault();
      if (search) { search.focus(); search.select(); } else { window.location.href = GO.c + "?focus=q"; }
      return;
    }
    if (e.key === "?") { help(); e.preventDefault(); return; }
    if (e.key === "g") { pendingG = Date.now(); return; }
    if (pendingG && Date.now() - pendingG < 1500 && GO[e.key]) {
      pendingG = 0;
      window.location.href = GO[e.key];
      return;
    }
    pendingG = 0;
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-wb-help-close]") || e.target.id === "wb-help") { help(false); }
  });

  // --- batch forms with more than one action ------------------------------------------------------
  // A list's batch form may hold several actions (改派 with a person, 关闭 with a reason, 导出所选):
  // each button names its action (data-wb-action) and only the fields of that action (data-wb-for)
  // are required when it is clicked, so the browser asks for what that action needs and nothing else.
  document.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-wb-action]");
    if (!button || !button.form) { return; }
    var action = button.getAttribute("data-wb-action");
    button.form.querySelectorAll("[data-wb-for]").forEach(function (field) {
      field.required = field.getAttribute("data-wb-for") === action;
    });
  });

  function init() {
    document.querySelectorAll("[data-customer-picker]").forEach(picker);
    if (/[?&]focus=q\b/.test(window.location.search)) {
      var q = document.querySelector("input[type=search], input[name=q]");
      if (q) { q.focus(); }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
