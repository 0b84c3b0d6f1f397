// Session expiry: a minute before the session's idle limit (data-idle-seconds) a notice offers to
// stay signed in (a POST to data-keep-alive, which counts as a request). When the limit passes, what
// was typed on the page is kept in this tab (sessionStorage) and the sign-in page is opened with the
// way back to this page; once signed in again, the page restores what was typed and forgets it.
"use strict";
(function () {
  const box = document.getElementById("session-expiry");
  const DRAFT = "packetgen-draft:" + window.location.pathname + window.location.search;
  restore();
  if (!box) {
    return;
  }
  const idle = Number(box.dataset.idleSeconds) * 1000;
  const warnAt = Math.max(idle - 60 * 1000, idle / 2);
  const stay = document.getElementById("session-stay");
  let warnTimer = 0;
  let endTimer = 0;

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, warnAt);
    endTimer = window.setTimeout(end, idle);
  }
  function warn() {
    box.hidden = false;
    stay.focus();
  }
  function end() {
    keep();
    const back = window.location.pathname + window.location.search;
    window.location.assign("/sign-in?next=" + encodeURIComponent(back));
  }
  async function keepAlive() {
    const form = new FormData();
    form.append("csrf_token", box.dataset.csrf);
    try {
      const response = await fetch(box.dataset.keepAlive, {
        method: "POST", body: form, credentials: "same-origin", cache: "no-store", redirect: "manual",
      });
      if (response.status === 204) {
        box.hidden = true;
        start();
        return;
      }
    } catch (error) {
      // the network dropped: the notice stays, the user can try again
    }
    end(); // the session is over already: keep what was typed, and sign in again
  }
  // What was typed: text fields and text areas of forms (never passwords, files or hidden tokens, nor
  // what a field marked data-private holds: a date of birth typed to confirm it, a signer's name).
  function fields() {
    return Array.from(document.querySelectorAll("main input, main textarea, main select")).filter(function (f) {
      return f.id && !("private" in f.dataset) && !["password", "file", "hidden", "submit", "button"].includes(f.type);
    });
  }
  function keep() {
    const typed = {};
    fields().forEach(function (f) {
      const value = f.type === "checkbox" || f.type === "radio" ? f.checked : f.value;
      if (value !== f.defaultValue && !(f.type === "checkbox" && value === f.defaultChecked)) {
        typed[f.id] = value;
      }
    });
    if (Object.keys(typed).length) {
      window.sessionStorage.setItem(DRAFT, JSON.stringify(typed));
    }
  }
  function restore() {
    const kept = window.sessionStorage.getItem(DRAFT);
    if (!kept || !box) {
      return;
    }
    window.sessionStorage.removeItem(DRAFT);
    const typed = JSON.parse(kept);
    Object.keys(typed).forEach(function (id) {
      const f = document.getElementById(id);
      if (!f) {
        return;
      }
      if (f.type === "checkbox" || f.type === "radio") {
        f.checked = Boolean(typed[id]);
      } else {
        f.value = typed[id];
      }
    });
  }
  stay.addEventListener("click", keepAlive);
  start();
})();
