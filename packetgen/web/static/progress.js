// A print run's page: asks for the run's state every second and shows it, then reloads the page
// once the run has finished (to show what became of it). Without script the page reloads itself.
"use strict";
(function () {
  const box = document.getElementById("progress");
  if (!box || box.dataset.finished === "yes") {
    return;
  }
  const words = document.getElementById("progress-words");
  const bar = document.getElementById("progress-bar");
  const count = document.getElementById("progress-count");
  let state = "";
  async function poll() {
    try {
      const response = await fetch(box.dataset.status, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const run = await response.json();
        if (run.finished) {
          window.location.reload();
          return;
        }
        bar.max = run.total;
        bar.value = run.merged;
        count.textContent = run.merged + " of " + run.total;
        if (run.state !== state) { // words are announced: only when the run moves on, not every packet
          state = run.state;
          words.textContent = run.words;
        }
      }
    } catch (error) {
      // the app is restarting or the network dropped: ask again in a moment
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
})();
