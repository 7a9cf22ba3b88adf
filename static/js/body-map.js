// The body map in the intake: tapping a region (or Space/Enter on it) ticks its checkbox.
// Without JavaScript the checkboxes below the map do the same job; they stay the truth that
// the form submits, the map only mirrors them. The map is one Tab stop (a roving tabindex):
// the arrow keys move between regions, Home and End jump to the first and last.
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-body-map]").forEach(function (field) {
    const svg = field.querySelector("svg.body-map");
    if (!svg) return;
    const state = "is-" + field.dataset.bodyMap; // is-avoid or is-focus
    const count = field.querySelector("[data-body-map-count]");
    const boxes = new Map();
    field.querySelectorAll("input[type=checkbox]").forEach(function (box) { boxes.set(box.value, box); });

    const legend = field.querySelector("legend");
    svg.setAttribute("role", "group");
    svg.removeAttribute("aria-labelledby");
    // The page's language: the template puts the translated phrases in data attributes.
    svg.setAttribute("aria-label", (legend ? legend.textContent.trim() : "Body map") + ": " +
      (field.dataset.tapLabel || "tap an area"));
    const hint = field.querySelector("[data-body-map-nojs]");
    if (hint) hint.textContent = hint.dataset.jsHint ||
      "Tap an area on the map to mark it, tap again to clear it; or use the list.";

    function updateCount() {
      if (!count) return;
      let n = 0;
      boxes.forEach(function (box) { if (box.checked) n += 1; });
      count.textContent = String(n);
    }

    const shapes = Array.prototype.filter.call(
      svg.querySelectorAll("[data-region]"),
      function (shape) { return boxes.has(shape.dataset.region); }
    );
    function moveTo(index) {
      const next = shapes[(index + shapes.length) % shapes.length];
      shapes.forEach(function (shape) { shape.setAttribute("tabindex", shape === next ? "0" : "-1"); });
      next.focus();
    }
    const MOVES = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

    shapes.forEach(function (shape, index) {
      const box = boxes.get(shape.dataset.region);
      const label = box.labels && box.labels[0] ? box.labels[0].textContent.trim() : box.value;
      shape.setAttribute("tabindex", index === 0 ? "0" : "-1");
      shape.setAttribute("role", "checkbox");
      shape.setAttribute("aria-label", label);
      const title = shape.querySelector("title");
      if (title) title.textContent = label;

      function sync() {
        shape.setAttribute("aria-checked", box.checked ? "true" : "false");
        shape.classList.toggle(state, box.checked);
        updateCount();
      }
      function toggle() {
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
      shape.addEventListener("click", function () {
        moveTo(index);
        toggle();
      });
      shape.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") {
          event.preventDefault();
          toggle();
        } else if (event.key in MOVES) {
          event.preventDefault();
          moveTo(index + MOVES[event.key]);
        } else if (event.key === "Home" || event.key === "End") {
          event.preventDefault();
          moveTo(event.key === "Home" ? 0 : shapes.length - 1);
        }
      });
      box.addEventListener("change", sync);
      sync();
    });
  });
})();
