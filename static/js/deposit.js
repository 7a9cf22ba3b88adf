// Deposit page: Stripe's card element turns the card into a PaymentMethod id in the browser
// (the number goes to Stripe, never to the clinic), which the form then posts. Loaded only
// when Stripe keys are configured; without JavaScript the page says to call the clinic.
(function () {
  "use strict";
  // The deposit page, and the gift-card and package pages (forms marked data-card-form).
  var form = document.getElementById("deposit-form") || document.querySelector("form[data-card-form]");
  var mount = document.getElementById("card-element");
  if (!form || !mount || typeof window.Stripe !== "function") {
    return;
  }
  var stripe = window.Stripe(mount.dataset.publishableKey);
  var card = stripe.elements().create("card");
  var errors = document.getElementById("card-errors");
  var hidden = form.querySelector("input[name=payment_method]");
  var complete = false;
  card.mount(mount);
  if (form.dataset.nextAction) {
    // The bank asked for 3-D Secure: Stripe.js shows its check, then the page looks again
    // (the webhook confirms the booking as soon as Stripe reports the payment).
    stripe.handleNextAction({ clientSecret: form.dataset.nextAction }).then(function (result) {
      if (result.error) {
        errors.textContent = result.error.message;
      } else {
        window.location.assign(window.location.href);
      }
    });
  }
  card.on("change", function (event) {
    complete = event.complete;
    errors.textContent = event.error ? event.error.message : "";
  });
  form.addEventListener("submit", function (event) {
    var gift = form.querySelector("input[name=gift_code]");
    if (hidden.value || (gift && gift.value && !complete)) {
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
