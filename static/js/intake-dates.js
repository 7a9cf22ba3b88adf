// Dated answers in the intake (questionnaire version 3): "When was the surgery?" is shown
// only once the answer before it asks for it (e.g. "Yes, within the last 12 months"), so a
// client with nothing to date never sees, or taps, a date field. Without JavaScript every
// date field stays visible and optional; the server requires it only when the answer asks.
(function () {
  "use strict";
  document.querySelectorAll("input[data-asked-when]").forEach(function (input) {
    const wrapper = input.closest(".mb-3") || input.parentElement;
    const radios = document.querySelectorAll(
      'input[type=radio][name="' + input.dataset.askedWhen + '"]'
    );
    function update() {
      let asked = false;
      radios.forEach(function (radio) {
        if (radio.checked && radio.value === input.dataset.askedValue) asked = true;
      });
      wrapper.hidden = !asked;
      input.required = asked;
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });
})();
