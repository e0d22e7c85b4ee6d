// Agents' conversation page: clear the answer box once htmx has sent it (no inline handlers: CSP).
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (form && form.matches && form.matches("form[data-reset-on-success]") && event.detail.successful) {
    form.reset();
  }
});
