// Quick phrases on the chart form (templates/charts/_note_form.html): a tap adds the phrase
// to the SOAP part the therapist last wrote in (the Objective when none yet), on a new line.
(function () {
  "use strict";
  var group = document.querySelector(".quick-phrases");
  var form = document.querySelector(".chart-form");
  if (!group || !form) return;
  var last = form.querySelector("textarea[name=objective]") || form.querySelector("textarea");
  form.addEventListener("focusin", function (event) {
    if (event.target.tagName === "TEXTAREA") last = event.target;
  });
  group.hidden = false;
  group.addEventListener("click", function (event) {
    var phrase = event.target.closest("[data-phrase]");
    if (!phrase || !last) return;
    var text = last.value.replace(/\s+$/, "");
    last.value = (text ? text + "\n" : "") + phrase.dataset.phrase;
    last.focus();
  });
})();
