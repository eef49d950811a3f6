// The card field of the gift and group forms: Stripe.js saves the card (a SetupIntent confirmed
// in the browser, so the card never reaches this site), then the form is posted with its id.
(function () {
  "use strict";
  const form = document.querySelector("[data-card-form]");
  const mount = form && form.querySelector("[data-card]");
  if (!mount || !window.Stripe || !form.dataset.clientSecret) return;
  const stripe = window.Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount(mount);
  const error = form.querySelector("[data-card-error]");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async function (event) {
    if (form.elements.setup_intent.value) return;
    event.preventDefault();
    button.disabled = true;
    error.textContent = "";
    const result = await stripe.confirmCardSetup(form.dataset.clientSecret, {
      payment_method: { card: card },
    });
    if (result.error) {
      error.textContent = result.error.message || "Your card was not saved. Check it and try again.";
      button.disabled = false;
      return;
    }
    form.elements.setup_intent.value = result.setupIntent.id;
    form.submit();
  });
})();
