// Progressive enhancement of the slot picker. Every day in the strip is a plain link and every
// time a plain submit button, so the page works without JavaScript; this file only scrolls the
// strip so that the chosen day is in view on a narrow phone.
(function () {
  "use strict";
  const strip = document.getElementById("day-strip");
  if (!strip) return;
  const chosen = strip.querySelector("[aria-current]");
  if (chosen) {
    strip.scrollLeft = Math.max(0, chosen.offsetLeft - strip.clientWidth / 2 + chosen.clientWidth / 2);
  }
})();
