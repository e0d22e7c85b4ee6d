// Kehu web-chat widget: <script src="https://<kehu>/chat/widget.js" defer></script>
// Adds a chat button; the conversation runs in an iframe served by Kehu itself.
(function () {
  if (window.__kehuChat) { return; }
  window.__kehuChat = true;
  var script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"]');
  var base = new URL(script.src).origin;
  var label = script.getAttribute("data-label") || "在线客服";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("data-kehu-chat", "open");
  button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:12px 18px;border:0;" +
    "border-radius:24px;background:#206bc4;color:#fff;font-size:16px;box-shadow:0 2px 8px rgba(0,0,0,.25);cursor:pointer";
  var frame = document.createElement("iframe");
  frame.title = label;
  frame.setAttribute("data-kehu-chat", "frame");
  frame.style.cssText = "position:fixed;right:16px;bottom:76px;z-index:2147483000;width:360px;max-width:calc(100vw - 32px);" +
    "height:520px;max-height:calc(100vh - 100px);border:1px solid #dce1e7;border-radius:12px;background:#fff;display:none;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.2)";
  button.addEventListener("click", function () {
    if (!frame.src) { frame.src = base + "/chat/embed/"; }
    frame.style.display = frame.style.display === "none" ? "block" : "none";
  });
  function mount() { document.body.appendChild(frame); document.body.appendChild(button); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
