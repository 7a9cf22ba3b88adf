// Enrolment page: once a passkey is registered, show the recovery codes (the next step).
document.addEventListener("otp_webauthn.register_complete", () => {
  const next = document.getElementById("twofactor-after-passkey");
  if (next && next.dataset.url) {
    window.location.assign(next.dataset.url);
  }
});

// Recovery codes page: print them (the page is shown once).
document.getElementById("twofactor-print")?.addEventListener("click", () => window.print());
