// Signature boxes on a form page (templates/clinic_forms/answer.html): each canvas with
// data-signature-for="<input id>" becomes a SignaturePad (static/vendor/signature_pad); the
// drawing is written into that hidden input as a PNG data URL after every stroke, and the
// "clear" button empties both. Without JavaScript the form says a signature is needed.
(function () {
  "use strict";

  function fit(canvas, pad) {
    // A sharp line on high-density phone screens: the canvas in device pixels.
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var kept = pad.isEmpty() ? null : pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (kept) pad.fromData(kept);
  }

  function setUp(canvas) {
    var input = document.getElementById(canvas.dataset.signatureFor);
    if (!input || typeof SignaturePad === "undefined") return;
    var pad = new SignaturePad(canvas, { penColor: "#111", minWidth: 1, maxWidth: 2.5 });
    fit(canvas, pad);
    pad.addEventListener("endStroke", function () {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    });
    var clear = document.querySelector('[data-signature-clear="' + input.id + '"]');
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        input.value = "";
      });
    }
    var width = window.innerWidth;
    window.addEventListener("resize", function () {
      if (window.innerWidth === width) return; // a phone's toolbar hiding is not a resize
      width = window.innerWidth;
      fit(canvas, pad);
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
    });
  }

  document.querySelectorAll("canvas[data-signature-for]").forEach(setUp);
})();
