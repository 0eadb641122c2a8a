// nosetwitch: small progressive enhancements. Every form also works without this file.
(function () {
  "use strict";
  // Steppers: the − and + buttons beside a number field.
  document.querySelectorAll("[data-step-for]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-step-for"));
      if (!input) return;
      var step = parseFloat(input.step) || 1;
      var min = input.min === "" ? -Infinity : parseFloat(input.min);
      var max = input.max === "" ? Infinity : parseFloat(input.max);
      var value = input.value === "" ? 0 : parseFloat(input.value);
      value += step * parseFloat(button.getAttribute("data-direction"));
      value = Math.min(max, Math.max(min, Math.round(value / step) * step));
      input.value = +value.toFixed(3);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  // Sliders: show the value, and tick "record" once the person moves one.
  document.querySelectorAll("input[type=range][data-output]").forEach(function (slider) {
    var output = document.getElementById(slider.getAttribute("data-output"));
    var record = document.getElementById(slider.getAttribute("data-record"));
    // An unticked slider is "not recorded", whatever position it rests in.
    function show() { if (output) output.textContent = !record || record.checked ? slider.value : "—"; }
    slider.addEventListener("input", function () { if (record) record.checked = true; show(); });
    if (record) record.addEventListener("change", show);
    show();
  });
  document.querySelectorAll("input[type=number][data-record]").forEach(function (input) {
    var record = document.getElementById(input.getAttribute("data-record"));
    input.addEventListener("input", function () { if (record) record.checked = input.value !== ""; });
  });
  // Ask before deleting.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  // The factor picker on the insights page redraws on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
