// Offline grace on the volunteer tablet (issue 8). A form marked data-offline is sent with
// fetch instead of a page load, so a dropped connection (pub Wi-Fi) never loses what the
// volunteer typed: the form stays as it is, the banner says so in plain words, and the form
// is sent again when the connection is back (the "online" event, a retry every few seconds,
// or a tap on the button). Sending twice is safe: walk-ins and new learners carry a one-time
// request id, and a help log that was already saved is answered like the first time.
// While typing, the form is also kept as a draft in sessionStorage (this tab only, dropped
// once sent, after 12 hours, and by the Clear-Site-Data "storage" that signing out sends),
// so leaving the page and coming back does not lose it either.
// Every word shown comes from the page (#offline-status data-*), in the tablet's language.
(function () {
  "use strict";
  var banner = document.getElementById("offline-status");
  var main = document.getElementById("main");
  if (!banner || !main || !window.fetch || !window.DOMParser) { return; }
  main.insertBefore(banner, main.firstChild);  // at the top of what is read, and sticky

  var words = banner.dataset;
  var DRAFT = "doorstep-draft:";
  var SENT = "doorstep-sent";
  var MAX_AGE = 12 * 60 * 60 * 1000;  // no volunteer session lasts longer
  var RETRY_MS = 5000;
  var queued = null;  // {form, submitter, waited}: the form waiting for the connection
  var sending = false;
  var timer = null;
  var shown = "";
  // Hidden fields a draft keeps: the one-time request id, so that sending a kept draft
  // cannot make a second ticket or learner if the first send did arrive.
  var KEEP_HIDDEN = /^(csrf_token|request_id)$/;

  function say(kind) {
    if (kind === shown) { return; }  // a live region: say it once, not at every retry
    shown = kind;
    banner.className = "flash offline-status " + kind;
    banner.textContent = words[kind] || "";
  }

  function quiet() {
    shown = "";
    banner.className = "flash offline-status";
    banner.textContent = "";
  }

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }  // storage may be off
  }

  function take(key) {
    var storage = store();
    var value = null;
    if (!storage) { return null; }
    try { value = JSON.parse(storage.getItem(key) || "null"); } catch (e) { value = null; }
    storage.removeItem(key);
    return value;
  }

  // ------------------------------------------------------------------ drafts

  // One draft per volunteer, form address and page context (the hidden fields the page set,
  // such as the ticket a new learner is for), so a draft never lands in another form.
  function draftKey(form) {
    var context = Array.prototype.filter.call(form.elements, function (field) {
      return field.type === "hidden" && !KEEP_HIDDEN.test(field.name);
    }).map(function (field) { return field.name + "=" + field.value; }).join("&");
    return DRAFT + (words.owner || "") + ":" + new URL(form.action, location.href).pathname
      + "?" + context;
  }

  function saveDraft(form) {
    var storage = store();
    var pairs = [];
    if (!storage) { return; }
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { pairs.push([name, value]); }
    });
    try {
      storage.setItem(draftKey(form), JSON.stringify({ at: Date.now(), fields: pairs }));
    } catch (e) { /* full or switched off: the form itself still holds what was typed */ }
  }

  function dropDraft(form) {
    var storage = store();
    if (storage) { storage.removeItem(draftKey(form)); }
  }

  function dropOldDrafts() {
    var storage = store();
    var key, i, draft;
    if (!storage) { return; }
    for (i = storage.length - 1; i >= 0; i -= 1) {
      key = storage.key(i);
      if (key && key.indexOf(DRAFT) === 0) {
        try { draft = JSON.parse(storage.getItem(key)); } catch (e) { draft = null; }
        if (!draft || !(Date.now() - draft.at < MAX_AGE)) { storage.removeItem(key); }
      }
    }
  }

  // Put a kept draft back into the form (the one-time request id too, so sending it now
  // cannot make a second ticket or learner). True when anything changed.
  function restore(form) {
    var storage = store();
    var draft = null;
    var values = {};
    var used = {};
    var changed = false;
    if (!storage) { return false; }
    try { draft = JSON.parse(storage.getItem(draftKey(form)) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.fields) { return false; }
    draft.fields.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (field) {
      var given = values[field.name];
      var on, value;
      if (!field.name || field.name === "csrf_token" || field.disabled
          || /^(submit|button|reset|file|image)$/.test(field.type)
          || (field.type === "hidden" && !KEEP_HIDDEN.test(field.name))) { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        on = !!given && given.indexOf(field.value) !== -1;
        if (field.checked !== on) { field.checked = on; changed = true; }
        return;
      }
      if (!given) { return; }
      used[field.name] = (used[field.name] || 0) + 1;
      value = given[used[field.name] - 1];
      if (value !== undefined && field.value !== value) { field.value = value; changed = true; }
    });
    return changed;
  }

  // ------------------------------------------------------------------ sending

  function submitButton(job) {
    return job.submitter || job.form.querySelector("button[type=submit], button:not([type])");
  }

  function waiting(job) {
    var button = submitButton(job);
    job.waited = true;
    queued = job;
    say("queued");
    if (button && button.dataset.offlineLabel === undefined) {
      button.dataset.offlineLabel = button.textContent;
      button.textContent = words.buttonWaiting;
    }
    if (!timer) { timer = window.setInterval(send, RETRY_MS); }
  }

  function settle(job) {
    var button = submitButton(job);
    queued = null;
    window.clearInterval(timer);
    timer = null;
    if (button && button.dataset.offlineLabel !== undefined) {
      button.textContent = button.dataset.offlineLabel;
      delete button.dataset.offlineLabel;
    }
  }

  function formData(job) {
    var data = new FormData(job.form);
    if (job.submitter && job.submitter.name) {
      data.append(job.submitter.name, job.submitter.value);
    }
    return data;
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  // Saved: go where a normal submit would have gone. The server's "Thank you…" message was
  // used up by the request fetch followed, so it is carried over to be shown again there.
  function arrived(job, response, html) {
    var doc = parse(html);
    var messages = Array.prototype.map.call(
      doc.querySelectorAll("#main .flash:not(.offline-status) p"),
      function (p) { return p.textContent; });
    var storage = store();
    sending = true;  // on the way to the next page: a further tap sends nothing
    settle(job);
    dropDraft(job.form);
    if (storage) {
      try {
        storage.setItem(SENT, JSON.stringify({ messages: messages, resent: !!job.waited }));
      } catch (e) { /* the page itself still shows where the log went */ }
    }
    window.location.replace(response.url);
  }

  // Not saved, with an answer to show (a message beside a field, 422, or an error page):
  // show it in place, as a normal submit would have, keeping the banner.
  function answer(job, html) {
    var doc = parse(html);
    var fresh = doc.getElementById("main");
    var focus;
    settle(job);
    if (job.waited) { say("back"); } else { quiet(); }
    if (!fresh) { return; }
    Array.prototype.slice.call(main.childNodes).forEach(function (node) {
      if (node !== banner) { main.removeChild(node); }
    });
    Array.prototype.slice.call(fresh.childNodes).forEach(function (node) {
      main.appendChild(document.importNode(node, true));
    });
    document.title = doc.title || document.title;
    if (window.htmx) { window.htmx.process(main); }
    focus = main.querySelector("[aria-invalid=true]") || main.querySelector("h1");
    if (focus) {
      if (!focus.matches("input, select, textarea, button")) { focus.setAttribute("tabindex", "-1"); }
      focus.focus();
    }
  }

  function send() {
    var job = queued;
    if (!job || sending) { return; }
    if (navigator.onLine === false) { waiting(job); return; }
    sending = true;
    if (job.waited) { say("sending"); }
    window.fetch(job.form.action, {
      method: "POST", body: formData(job), credentials: "same-origin", cache: "no-store",
    }).then(function (response) {
      return response.text().then(function (html) { return { response: response, html: html }; });
    }).then(function (reply) {
      var status = reply.response.status;
      sending = false;
      if (status === 502 || status === 503 || status === 504) {
        waiting(job);  // a proxy answered for a server it could not reach
      } else if (new URL(reply.response.url).pathname.indexOf("/signin/") === 0) {
        settle(job);  // signed out meanwhile: the draft stays for after signing in
        saveDraft(job.form);
        say("signedOut");
      } else if (reply.response.ok) {
        arrived(job, reply.response, reply.html);
      } else {
        answer(job, reply.html);
      }
    }).catch(function () {
      sending = false;  // no answer: it may or may not have arrived; sending again is safe
      waiting(job);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    if (!form.matches || !form.matches("form[data-offline]")) { return; }
    event.preventDefault();
    if (sending) { return; }  // a second tap while the first is on its way
    if (submitter && submitter.form !== form) { submitter = null; }
    saveDraft(form);
    if (queued && queued.form === form) {  // "tap to try again": the latest typing, now
      queued.submitter = submitter || queued.submitter;
    } else {
      queued = { form: form, submitter: submitter, waited: false };
    }
    send();
  });

  function edited(event) {
    var form = event.target.form;
    if (form && form.matches("form[data-offline]")) { saveDraft(form); }
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
  document.addEventListener("click", function (event) {  // quick-fill buttons set a value
    var button = event.target.closest && event.target.closest(".quick [data-value]");
    if (button && button.form && button.form.matches("form[data-offline]")) {
      window.setTimeout(function () { saveDraft(button.form); }, 0);
    }
  });

  var hasForm = !!document.querySelector("form[data-offline]");
  window.addEventListener("offline", function () {
    if (!queued) { say(hasForm ? "lost" : "lostPage"); }
  });
  window.addEventListener("online", function () {
    if (queued) { send(); } else if (shown === "lost" || shown === "lostPage") { say("back"); }
  });

  // ------------------------------------------------------------------ on arrival

  dropOldDrafts();
  var sent = take(SENT);
  if (sent) {
    if (sent.messages && sent.messages.length && !main.querySelector(".flash:not(.offline-status)")) {
      var flash = document.createElement("div");
      flash.className = "flash";
      flash.setAttribute("role", "status");
      sent.messages.forEach(function (text) {
        var p = document.createElement("p");
        p.textContent = text;
        flash.appendChild(p);
      });
      main.insertBefore(flash, banner.nextSibling);
    }
    if (sent.resent) { say("sent"); }
  }
  document.querySelectorAll("form[data-offline]").forEach(function (form) {
    if (restore(form)) { say("restored"); }
  });
  if (navigator.onLine === false && !shown) { say(hasForm ? "lost" : "lostPage"); }
})();
