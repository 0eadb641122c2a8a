// nosetwitch: small progressive enhancements. Every form also works without this file.
(function () {
  "use strict";
  // Steppers: the − and + buttons beside a number box (hidden without this file).
  document.querySelectorAll("[data-step-for]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-step-for"));
      if (!input) return;
      var step = parseFloat(button.getAttribute("data-step") || input.step) || 1;
      var value = parseFloat((input.value || "0").replace(",", ".")) || 0;
      value = Math.max(0, value + step * parseFloat(button.getAttribute("data-direction")));
      input.value = +value.toFixed(2);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  // The day check-in: the caffeine of the drinks counted so far, as they are typed.
  document.querySelectorAll("[data-caffeine-total]").forEach(function (line) {
    var box = line.closest("fieldset");
    function number(input) { var v = parseFloat((input.value || "").replace(",", ".")); return isFinite(v) && v > 0 ? v : 0; }
    function total() {
      var mg = 0, counted = false;
      box.querySelectorAll("input[data-mg]").forEach(function (input) { if (number(input)) { counted = true; mg += number(input) * parseFloat(input.getAttribute("data-mg")); } });
      var other = box.querySelector("#caffeine_mg");
      if (!counted) return;
      mg += other ? number(other) : 0;
      line.textContent = "In all: about " + Math.round(mg) + " mg of caffeine.";
    }
    box.addEventListener("input", total);
  });
  // A list of mistakes at the top of a form gets the focus, so it is read out first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    // A link in it puts the cursor into its field (a group: its first or chosen choice).
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        var field = target.matches("input, select, textarea") ? target : target.querySelector("input:checked, input, select, textarea");
        if (!field) return;
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        field.focus();
        history.replaceState(null, "", link.getAttribute("href"));
      });
    });
  }
  // "Longer" on the twitch details: the exact box is where the answer goes.
  document.querySelectorAll("input[name=duration_choice][value=longer]").forEach(function (radio) {
    radio.addEventListener("change", function () { var exact = document.getElementById("duration_exact"); if (exact && radio.checked) exact.focus(); });
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
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); return; }
      // Confirmed here, so the server need not ask again (without this file it shows a page that asks).
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "yes";
      form.appendChild(confirmed);
    });
  });
  // The factor picker on the insights page redraws on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
