// Submits the response form at once, as a real broker's page does; the button remains for no-JS users.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
});
