// The body map in the intake: tapping a region (or Space/Enter on it) ticks its checkbox.
// Without JavaScript the checkboxes below the map do the same job; they stay the truth that
// the form submits, the map only mirrors them.
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
    svg.setAttribute("aria-label", (legend ? legend.textContent.trim() : "Body map") + ": tap an area");
    const hint = field.querySelector("[data-body-map-nojs]");
    if (hint) hint.textContent = "Tap an area on the map to mark it, tap again to clear it; or use the list.";

    function updateCount() {
      if (!count) return;
      let n = 0;
      boxes.forEach(function (box) { if (box.checked) n += 1; });
      count.textContent = String(n);
    }

    svg.querySelectorAll("[data-region]").forEach(function (shape) {
      const box = boxes.get(shape.dataset.region);
      if (!box) return;
      const label = box.labels && box.labels[0] ? box.labels[0].textContent.trim() : box.value;
      shape.setAttribute("tabindex", "0");
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
      shape.addEventListener("click", toggle);
      shape.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") {
          event.preventDefault();
          toggle();
        }
      });
      box.addEventListener("change", sync);
      sync();
    });
  });
})();
