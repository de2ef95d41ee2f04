// Drawn signature on a <canvas>, stored as a PNG data URI in a hidden input.
// Same-origin file because the CSP forbids inline scripts.
(function () {
  "use strict";
  function setup(canvas) {
    var target = document.getElementById(canvas.dataset.target);
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#111";
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
    });
    function finish() {
      if (drawing && drawn) target.value = canvas.toDataURL("image/png");
      drawing = false;
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointerleave", finish);
    var clear = document.getElementById("signature-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        target.value = "";
        drawn = false;
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas.signature-pad").forEach(setup);
  });
})();
