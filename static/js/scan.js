// The scan box: a USB/Bluetooth scanner types the code and presses Enter into the text box
// (a "keyboard wedge"), so that needs no script at all. This file adds the camera: the
// browser's BarcodeDetector where it has one, otherwise the vendored jsQR, loaded only
// when someone taps "Use the camera".
(function () {
  "use strict";

  function loadJsQR(src) {
    if (window.jsQR) { return Promise.resolve(window.jsQR); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeReader(jsqrSrc) {
    if ("BarcodeDetector" in window) {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return Promise.resolve(function (video) {
        return detector.detect(video).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      });
    }
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return loadJsQR(jsqrSrc).then(function (jsQR) {
      return function (video) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        if (!canvas.width) { return Promise.resolve(null); }
        context.drawImage(video, 0, 0);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(code ? code.data : null);
      };
    });
  }

  function startCamera(form, button) {
    var input = form.querySelector("input[name=scan]");
    var status = form.querySelector("[data-scan-status]");
    var video = form.querySelector("video") || document.createElement("video");
    var continuous = form.hasAttribute("data-scan-continuous");
    var last = { text: null, at: 0 };
    video.setAttribute("playsinline", "");
    video.muted = true;
    video.className = "scan-video";
    form.appendChild(video);
    // The words come from the page, in the screen's language (data-say-* on the form).
    var say = function (key) { if (status) { status.textContent = form.dataset[key] || ""; } };
    say("sayStarting");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        button.hidden = true;
        var stop = function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          video.remove();
          button.hidden = false;
        };
        form.addEventListener("doorstep:stop-camera", stop, { once: true });
        return video.play().then(function () { return makeReader(form.dataset.jsqrSrc); })
          .then(function (read) {
            say("sayReady");
            var tick = function () {
              if (!video.isConnected) { return; }
              read(video).then(function (text) {
                var now = Date.now();
                if (text && !(text === last.text && now - last.at < 3000)) {
                  last = { text: text, at: now };
                  input.value = text;
                  if (!continuous) { stop(); }
                  form.requestSubmit();
                }
                window.setTimeout(tick, 200);
              }, function () { window.setTimeout(tick, 500); });
            };
            tick();
          });
      })
      .catch(function () {
        say("sayUnavailable");
      });
  }

  document.querySelectorAll("form[data-scan]").forEach(function (form) {
    var button = form.querySelector("[data-scan-camera]");
    if (button && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      button.hidden = false;
      button.addEventListener("click", function () { startCamera(form, button); });
    }
  });

  // After an htmx scan (bulk lending), clear the box and keep the cursor in it for the next.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.matches && form.matches("form[data-scan]")) {
      var input = form.querySelector("input[name=scan]");
      input.value = "";
      input.focus();
    }
  });
})();
