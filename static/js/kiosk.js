// The kiosk's own script (kiosk screens only): "Bigger text" and "High contrast" in place,
// "Are you still there?" before the idle reset, and "Read aloud". Every word it shows comes
// from the page, already in the person's language; without this script the switches still
// work as plain links and the server still forgets an idle session.
(function () {
  "use strict";
  var body = document.body;
  var html = document.documentElement;

  // ---- Bigger text and high contrast: change the screen now (nothing typed is lost), then
  // tell the server quietly so the next screen keeps the choice.
  var switches = document.querySelector("[data-view-switches]");
  if (switches && window.fetch) {
    switches.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.name) { return; }
      event.preventDefault();
      var on = button.getAttribute("aria-pressed") !== "true";
      var value = on ? button.dataset.on : button.dataset.off;
      html.classList.toggle(button.dataset.class, on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.value = on ? button.dataset.off : button.dataset.on;
      var query = new URLSearchParams();
      query.set(button.name, value);
      window.fetch(switches.action + "?" + query.toString(), {
        credentials: "same-origin", cache: "no-store", headers: { "X-Doorstep-Kiosk": "quiet" }
      }).catch(function () { /* the next screen shows the old choice: nothing worse */ });
    });
  }

  // ---- "Print" on the eligibility check's thank-you screen (only where the council says the
  // kiosk has a printer): the reference and its QR code, on paper.
  document.querySelectorAll("[data-print]").forEach(function (print) {
    if (!window.print) { return; }
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  });

  // ---- "Are you still there?" shown data-warning-seconds before the idle reset.
  var idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  var warnSeconds = parseInt(body.dataset.warningSeconds || "0", 10);
  var resetUrl = body.dataset.resetUrl;
  var dialog = document.querySelector("[data-still-there]");
  if (idleSeconds > 0 && resetUrl) {
    if (!(warnSeconds > 0) || warnSeconds >= idleSeconds) { warnSeconds = Math.floor(idleSeconds / 2); }
    var warnTimer = null, tick = null, lastPing = Date.now();
    var pingEvery = Math.max(1, Math.min(30, idleSeconds / 3)) * 1000;
    var startAgain = function () { window.location.replace(resetUrl); };
    var countdown = dialog && dialog.querySelector("[data-countdown]");
    var status = dialog && dialog.querySelector("[data-countdown-status]");
    var words = function (seconds) {
      var number = seconds.toLocaleString(html.lang || undefined);
      return countdown.dataset.countdownText.replace("{seconds}", number);
    };
    // While someone uses the screen, keep the kiosk session from its server-side idle reset.
    // A second later, and only if this screen is still showing: a tap that opens another
    // screen refreshes the session itself, and two answers at once could each write the
    // session cookie (the later one would undo a language or text-size change).
    var pending = null;
    var keepAlive = function (now) {
      if (!body.dataset.stillHereUrl || !window.fetch || pending) { return; }
      if (!now && Date.now() - lastPing < pingEvery) { return; }
      pending = window.setTimeout(function () {
        pending = null;
        lastPing = Date.now();
        window.fetch(body.dataset.stillHereUrl, { credentials: "same-origin", cache: "no-store" })
          .catch(function () { /* offline for a moment: the next touch tries again */ });
      }, 1000);
    };
    var warn = function () {
      if (!dialog || !dialog.showModal || warnSeconds < 1) { startAgain(); return; }
      var left = warnSeconds;
      countdown.textContent = words(left);
      status.textContent = words(left);
      dialog.showModal();
      tick = window.setInterval(function () {
        left -= 1;
        if (left <= 0) { window.clearInterval(tick); startAgain(); return; }
        countdown.textContent = words(left);
        if (left % 10 === 0 || left === 5) { status.textContent = words(left); }
      }, 1000);
    };
    var restart = function () {
      if (dialog && dialog.open) { return; }  // only "Yes, I'm still here" answers the question
      window.clearTimeout(warnTimer);
      warnTimer = window.setTimeout(warn, (idleSeconds - warnSeconds) * 1000);
      keepAlive(false);
    };
    var stillHere = function () {
      window.clearInterval(tick);
      if (dialog.open) { dialog.close(); }
      keepAlive(true);
      restart();
    };
    if (dialog) {
      dialog.querySelector("[data-still-here]").addEventListener("click", stillHere);
      dialog.addEventListener("cancel", function (event) { event.preventDefault(); stillHere(); });
    }
    ["pointerdown", "keydown", "input", "touchstart", "wheel", "scroll"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true, capture: true });
    });
    restart();
  }

  // ---- Read aloud: the current step (what <main> shows) in the screen's language, with a
  // voice for that language. No voice: the button is not offered, and the screen says so.
  var button = document.querySelector("[data-read-aloud]");
  var noVoice = document.querySelector("[data-no-voice]");
  var speech = window.speechSynthesis;
  if (!button || !speech || !window.SpeechSynthesisUtterance) { return; }
  var lang = (html.lang || "en").toLowerCase();
  var voiceFor = function () {
    var voices = speech.getVoices() || [];
    var same = function (v) { return (v.lang || "").toLowerCase().replace("_", "-"); };
    var prefix = lang.split("-")[0];
    return voices.filter(function (v) { return same(v) === lang; })[0] ||
      voices.filter(function (v) { return same(v).split("-")[0] === prefix; })[0] || null;
  };
  var decided = false;
  var decide = function (final) {
    if (decided) { return; }
    var voice = voiceFor();
    if (voice || final) {
      decided = true;
      button.hidden = !voice;
      if (noVoice) { noVoice.hidden = !!voice; }
    }
  };
  decide(speech.getVoices().length > 0);
  if (!decided) {
    speech.addEventListener("voiceschanged", function () { decide(speech.getVoices().length > 0); });
    window.setTimeout(function () { decide(true); }, 3000);
  }
  var stopped = function () { button.setAttribute("aria-pressed", "false"); };
  var stepText = function () {
    var main = document.querySelector("main");
    return (main ? main.innerText : "").split("\n").map(function (line) { return line.trim(); })
      .filter(Boolean).join(". ").replace(/([.!?:])\. /g, "$1 ");
  };
  button.addEventListener("click", function () {
    if (button.getAttribute("aria-pressed") === "true") {
      speech.cancel();
      stopped();
      return;
    }
    var utterance = new window.SpeechSynthesisUtterance(stepText());
    utterance.lang = html.lang;
    var voice = voiceFor();
    if (voice) { utterance.voice = voice; }
    utterance.onend = stopped;
    utterance.onerror = stopped;
    speech.cancel();
    button.setAttribute("aria-pressed", "true");
    speech.speak(utterance);
  });
  window.addEventListener("pagehide", function () { speech.cancel(); });
})();
