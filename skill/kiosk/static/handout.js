// The handout page on the kiosk: a print button, and back to the questions when left alone.
(function () {
  "use strict";

  const body = document.body;
  const printButton = document.getElementById("print");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  // The next patient should find the kiosk's start screen, not this page.
  const param = Number(new URLSearchParams(window.location.search).get("idle"));
  const idleSeconds = param > 0 ? param : Number(body.dataset.idleSeconds) || 0;
  if (!idleSeconds || !body.dataset.backUrl) return;
  let lastActivity = Date.now();
  for (const name of ["pointerdown", "keydown", "wheel", "touchstart", "scroll"]) {
    window.addEventListener(name, function () { lastActivity = Date.now(); },
                            { capture: true, passive: true });
  }
  setInterval(function () {
    if (Date.now() - lastActivity >= idleSeconds * 1000) {
      window.location.assign(body.dataset.backUrl);
    }
  }, 500);
})();
