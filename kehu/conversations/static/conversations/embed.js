// The chat inside the widget's iframe: scroll to the newest message, clear the box after sending.
document.addEventListener("htmx:afterSwap", function (event) {
  var list = document.getElementById("chat-messages");
  if (list) { list.scrollTop = list.scrollHeight; }
  if (event.detail.elt && event.detail.elt.id === "chat-form") { return; }
});
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (form && form.id === "chat-form" && event.detail.successful) {
    form.querySelector("textarea").value = "";
    var extra = document.getElementById("chat-visitor");
    if (extra) { extra.hidden = true; }
  }
});
document.addEventListener("keydown", function (event) {
  var el = event.target;
  if (el && el.id === "chat-body" && event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    el.form.requestSubmit();
  }
});
