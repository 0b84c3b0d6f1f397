// The schedule's check boxes: the header's box ticks (or clears) every line on the page, and a
// shift-click ticks (or clears) every line between the last one clicked and this one. Without script
// each box is ticked by itself.
"use strict";
(function () {
  // Enter in the print-run form (a row's check box, the printer's name) submits nothing: only its
  // buttons act. (Without script, the form's hidden first button takes the Enter and does nothing.)
  const run = document.getElementById("run");
  if (run) {
    run.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
        event.preventDefault();
      }
    });
  }
  const all = document.getElementById("pick-all");
  const boxes = Array.from(document.querySelectorAll("table.schedule input[name=entry]"));
  if (!boxes.length) {
    return;
  }
  function showAll() {
    if (!all) {
      return;
    }
    const ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      showAll();
    });
  }
  let last = null;
  boxes.forEach(function (box) {
    box.addEventListener("click", function (event) {
      if (event.shiftKey && last !== null && last !== box) {
        const from = boxes.indexOf(last);
        const to = boxes.indexOf(box);
        const low = Math.min(from, to);
        const high = Math.max(from, to);
        for (let i = low; i <= high; i += 1) {
          boxes[i].checked = box.checked;
        }
      }
      last = box;
      showAll();
    });
  });
  showAll();
})();
