// Doorstep's only script of its own: no inline scripts anywhere, so a strict CSP can hold.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  // Every htmx request carries the CSRF token that Flask-WTF checks.
  document.addEventListener("htmx:configRequest", function (event) {
    if (csrf) { event.detail.headers["X-CSRFToken"] = csrf.content; }
  });

  // Quick-fill buttons: <div class="quick" data-fill="minutes"><button data-value="10">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".quick [data-value]");
    if (!button) { return; }
    var input = document.getElementById(button.closest(".quick").dataset.fill);
    if (input) { input.value = button.dataset.value; input.focus(); }
  });

  // Lending to a resident or a partner: show only the part of the form that applies.
  document.querySelectorAll("input[name=who]").forEach(function (radio) {
    var form = radio.form;
    var show = function () {
      var chosen = form.querySelector("input[name=who]:checked");
      form.querySelectorAll("[data-who-for]").forEach(function (part) {
        part.hidden = chosen && part.dataset.whoFor !== chosen.value;
      });
    };
    radio.addEventListener("change", show);
    show();
  });

  // The kiosk's idle reset, switches and read-aloud are in kiosk.js (kiosk screens only).
})();
