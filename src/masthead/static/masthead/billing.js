// The card form of checkout and "change card": Stripe.js mounts its card field, saves the card with
// the page's SetupIntent, and only the intent's id is posted here (the server reads it back from
// Stripe). Without Stripe.js the form stays hidden and the alert says why.
(function () {
  "use strict";
  const form = document.querySelector("[data-card-form]");
  const alertRegion = document.querySelector("[data-card-errors]");
  if (!form || !alertRegion) return;
  const say = (message) => {
    alertRegion.textContent = message;
    alertRegion.classList.toggle("card-form__alert--shown", Boolean(message));
  };
  if (typeof window.Stripe !== "function") {
    say("The card form could not load. Check your connection, then reload this page.");
    return;
  }
  const stripe = window.Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create("card");
  card.mount(form.querySelector("[data-card-element]"));
  form.hidden = false;

  const button = form.querySelector("[data-card-submit]");
  const label = button.textContent;
  let isBusy = false;
  const setBusy = (busy) => {
    isBusy = busy;
    button.disabled = busy;
    button.textContent = busy ? "Saving your card…" : label;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (isBusy) return; // a double click saves the card once and posts once
    setBusy(true);
    say("");
    let result;
    try {
      result = await stripe.confirmCardSetup(form.dataset.clientSecret, {
        payment_method: { card },
      });
    } catch (error) {
      result = { error };
    }
    if (result.error || !result.setupIntent) {
      const message = result.error && result.error.message;
      say(message || "Your card was not saved. Check it and try again.");
      setBusy(false);
      return;
    }
    form.elements.setup_intent.value = result.setupIntent.id;
    form.submit(); // stays busy: the page is replaced by the server's answer
  });
})();
