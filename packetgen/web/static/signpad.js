// Signature and initials pads (signing on a tablet): each [data-pad] holds a canvas, a hidden field and
// its buttons. A finger, stylus or mouse draws strokes on the canvas; each stroke is recorded as points
// normalised to 0..1 (x from the left edge, y from the top: CAPTURE_JSON's format) and the strokes are
// written into the hidden field as JSON, which the step's form sends. "Undo the last stroke" and "Clear
// and draw again" are buttons (reachable by keyboard); without script the buttons stay hidden and the
// page says that signing needs script.
"use strict";
(function () {
  const STEP = 0.004; // points closer than this to the last one are left out (a small, smooth record)

  function setUp(pad) {
    const canvas = pad.querySelector("canvas");
    const field = pad.querySelector("input[type=hidden]");
    const state = pad.querySelector(".pad-state");
    const undo = pad.querySelector("[data-pad-undo]");
    const clear = pad.querySelector("[data-pad-clear]");
    const pen = canvas.getContext("2d");
    let strokes = [];
    let current = null;

    function point(event) {
      const box = canvas.getBoundingClientRect();
      const x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      const y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      return [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000];
    }
    function draw() {
      pen.clearRect(0, 0, canvas.width, canvas.height);
      pen.lineWidth = Math.max(2, canvas.width / 250);
      pen.lineCap = "round";
      pen.lineJoin = "round";
      pen.strokeStyle = "#102a5c";
      strokes.forEach(function (stroke) {
        pen.beginPath();
        stroke.forEach(function (p, i) {
          const x = p[0] * canvas.width;
          const y = p[1] * canvas.height;
          if (i === 0) {
            pen.moveTo(x, y);
            pen.lineTo(x + 0.1, y + 0.1); // a tap shows as a dot
          } else {
            pen.lineTo(x, y);
          }
        });
        pen.stroke();
      });
    }
    function save() {
      field.value = strokes.length ? JSON.stringify(strokes) : "";
      const count = strokes.length;
      state.textContent = count ? "Drawn: " + count + (count === 1 ? " stroke." : " strokes.") : "Nothing drawn yet: draw with a finger or stylus.";
      undo.disabled = clear.disabled = count === 0;
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [point(event)];
      strokes.push(current);
      draw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) {
        return;
      }
      const p = point(event);
      const last = current[current.length - 1];
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= STEP) {
        current.push(p);
        draw();
      }
    });
    function up() {
      if (current) {
        current = null;
        save();
      }
    }
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    canvas.addEventListener("lostpointercapture", up);
    undo.addEventListener("click", function () {
      strokes.pop();
      draw();
      save();
    });
    clear.addEventListener("click", function () {
      strokes = [];
      draw();
      save();
    });
    undo.hidden = clear.hidden = false;
    save();
  }

  document.querySelectorAll("[data-pad]").forEach(setUp);
})();
