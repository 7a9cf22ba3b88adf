// Tip page: with "Another card" chosen, Stripe's card element turns the card into a
// PaymentMethod id in the browser (the number goes to Stripe, never to the clinic), which
// the form then posts. The saved card needs no JavaScript.
(function () {
  "use strict";
  var form = document.getElementById("tip-form");
  var mount = document.getElementById("card-element");
  if (!form || !mount || typeof window.Stripe !== "function") {
    return;
  }
  var stripe = window.Stripe(mount.dataset.publishableKey);
  var card = stripe.elements().create("card");
  var errors = document.getElementById("card-errors");
  var hidden = form.querySelector("input[name=payment_method]");
  card.mount(mount);
  card.on("change", function (event) {
    errors.textContent = event.error ? event.error.message : "";
  });
  form.addEventListener("submit", function (event) {
    var chosen = form.querySelector("input[name=card]:checked");
    if (hidden.value || !chosen || chosen.value !== "new") {
      return;
    }
    event.preventDefault();
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      if (result.error) {
        errors.textContent = result.error.message;
        return;
      }
      hidden.value = result.paymentMethod.id;
      form.submit();
    });
  });
})();
