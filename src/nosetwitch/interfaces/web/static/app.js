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

  // A box that scrolls sideways (a wide table or chart) can be focused, so the keyboard scrolls it too.
  document.querySelectorAll(".tablewrap, .chartbox").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); box.setAttribute("aria-label", "Scrollable: use the arrow keys"); }
    }
  });

  // --- Time zones (everyday use) -------------------------------------------------------------
  // The browser's own zone (Intl API). Without JavaScript the grouped list still works on its own.
  var browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { browserZone = ""; }
  function hasZone(select, name) {
    return Array.prototype.some.call(select.options, function (option) { return option.value === name; });
  }
  // Sign-up and a profile still on the default (Etc/UTC): preselect the browser's zone and say so.
  document.querySelectorAll("select[data-preselect-browser-zone]").forEach(function (select) {
    if (!browserZone || browserZone === select.value || !hasZone(select, browserZone)) return;
    select.value = browserZone;
    var note = document.querySelector("[data-zone-note]");
    if (note) note.textContent = "Preselected from this device: " + browserZone + ". Change it if that is wrong.";
  });
  // The filter box above the list: hide the zones (and regions) that do not match what is typed.
  document.querySelectorAll("[data-zone-filter]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-zone-filter"));
    var input = box.querySelector("input");
    if (!select || !input) return;
    box.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().replace(/_/g, " ").trim();
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var any = false;
        group.querySelectorAll("option").forEach(function (option) {
          var text = (group.label + " " + option.textContent + " " + option.value).toLowerCase().replace(/_/g, " ");
          option.hidden = words !== "" && text.indexOf(words) < 0;
          if (!option.hidden) { any = true; if (!first) first = option; }
        });
        group.hidden = !any;
      });
      // the first match becomes the choice, so the closed list shows it
      if (words && first && select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = first.value;
    });
  });
  // Local mode, stored zone still Etc/UTC: offer the browser's zone in one tap.
  document.querySelectorAll("form[data-zone-prompt]").forEach(function (form) {
    if (!browserZone || browserZone === form.getAttribute("data-zone-prompt") || /^(Etc\/)?UTC$/.test(browserZone)) return;
    form.querySelector("input[name=timezone]").value = browserZone;
    form.querySelectorAll("[data-zone-name]").forEach(function (span) { span.textContent = browserZone; });
    form.hidden = false;
  });

  // --- Prepare for your appointment: the PDF with a visible "making your report" state ---------
  // Without JavaScript the form leads to the PDF and the browser saves it.
  document.querySelectorAll("input[data-picks-period]").forEach(function (input) {
    input.addEventListener("input", function () {
      var radio = input.form.querySelector("input[name=period][value=" + input.getAttribute("data-picks-period") + "]");
      if (radio) radio.checked = true;
    });
  });
  document.querySelectorAll("form[data-report-form]").forEach(function (form) {
    var status = form.querySelector("[data-report-status]");
    var button = form.querySelector("[data-report-pdf]");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !status || event.submitter !== button) return;  // the print version opens as a page
      event.preventDefault();
      var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
      button.disabled = true;
      form.setAttribute("aria-busy", "true");
      status.textContent = "Making your report… this takes a few seconds.";
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (response.ok && type.indexOf("application/pdf") === 0) {
          var name = (/filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "") || [])[1] || "nosetwitch-report.pdf";
          return response.blob().then(function (blob) {
            var link = document.createElement("a");
            link.href = URL.createObjectURL(blob);
            link.download = name;
            document.body.appendChild(link);
            link.click();
            link.remove();
            setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
            status.textContent = "Your report is ready: " + name + " was downloaded.";
          });
        }
        // a mistake in the dates: the server's page lists it; show that page
        window.location.href = url;
      }).catch(function () {
        status.textContent = "The report could not be made. Check the connection and try again.";
      }).then(function () {
        button.disabled = false;
        form.removeAttribute("aria-busy");
      });
    });
  });
})();
