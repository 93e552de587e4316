// The browser phone: Twilio's Voice JavaScript SDK (vendored, /static/vendor) registers this
// operator's browser as client:operator-<id>, which the line rings with <Dial><Client>. It starts
// only when the app hands out a token (API key, secret and TwiML app configured); otherwise the
// panel says why and the operator is rung by phone. No inline script: the CSP allows none.
"use strict";

(() => {
  const panel = document.getElementById("phone");
  if (!panel || !window.Twilio || !window.Twilio.Device) {
    return;
  }
  const status = panel.querySelector("[data-phone-status]");
  const answer = panel.querySelector("[data-phone-answer]");
  const hangUp = panel.querySelector("[data-phone-hang-up]");
  const say = (text) => {
    status.textContent = text;
  };
  const token = () =>
    fetch(panel.dataset.tokenUrl, { credentials: "same-origin", cache: "no-store" }).then((r) => r.json());

  token().then((first) => {
    if (!first.available) {
      say(first.reason);
      return;
    }
    // Twilio's own ringtones are off: the caller's context appears on the screen and is announced.
    const device = new window.Twilio.Device(first.token, { closeProtection: true, enableImprovedSignalingErrorPrecision: true });
    device.on("registered", () => say(panel.dataset.ready));
    device.on("error", (error) => say(`${panel.dataset.failed} (${error.code || ""})`));
    device.on("tokenWillExpire", () => token().then((next) => next.available && device.updateToken(next.token)));
    device.on("incoming", (call) => {
      say(panel.dataset.ringing);
      answer.hidden = false;
      answer.focus();
      answer.onclick = () => {
        call.accept();
        answer.hidden = true;
        hangUp.hidden = false;
        say(panel.dataset.connected);
      };
      const over = () => {
        answer.hidden = true;
        hangUp.hidden = true;
        say(panel.dataset.ready);
      };
      call.on("disconnect", over);
      call.on("cancel", over);
      hangUp.onclick = () => call.disconnect();
    });
    device.register();
  });
})();
