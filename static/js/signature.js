// A signature pad: the borrower signs with a finger or stylus. Strokes are sent as numbers
// (JSON) in a hidden field; the server turns them into an SVG path it stores with the loan.
(function () {
  "use strict";
  document.querySelectorAll("canvas[data-signature]").forEach(function (canvas) {
    var field = document.getElementById(canvas.dataset.signature);
    var context = canvas.getContext("2d");
    var strokes = [];
    try { strokes = JSON.parse(field.value || "[]"); } catch (e) { strokes = []; }
    var current = null;

    function draw() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111";
      strokes.forEach(function (stroke) {
        context.beginPath();
        stroke.forEach(function (p, i) { if (i) { context.lineTo(p[0], p[1]); } else { context.moveTo(p[0], p[1]); } });
        if (stroke.length === 1) { context.lineTo(stroke[0][0] + 0.5, stroke[0][1]); }
        context.stroke();
      });
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [Math.round((event.clientX - box.left) * canvas.width / box.width),
              Math.round((event.clientY - box.top) * canvas.height / box.height)];
    }
    function save() { field.value = strokes.length ? JSON.stringify(strokes) : ""; }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      draw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) { return; }
      current.push(point(event));
      draw();
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { current = null; save(); });
    });
    var clear = document.querySelector("[data-signature-clear='" + canvas.id + "']");
    if (clear) {
      clear.addEventListener("click", function () { strokes = []; save(); draw(); });
    }
    draw();
  });
})();
