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

  // Kiosk idle reset: after data-idle-seconds without a touch, start again for the next person.
  var body = document.body;
  var idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  if (idleSeconds > 0 && body.dataset.resetUrl) {
    var timer = null;
    var restart = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        window.location.replace(body.dataset.resetUrl);
      }, idleSeconds * 1000);
    };
    ["pointerdown", "keydown", "input", "touchstart", "wheel"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }
})();
