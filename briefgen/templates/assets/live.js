/* briefgen serve: reload the page when a rebuild finishes; show a failed build's problems
   (file:line:col) over the page until they are fixed. Served by the preview server only,
   never part of a published site. Polls a small JSON file on the same server. */
(function () {
  "use strict";
  var script = document.currentScript;
  var statusUrl = new URL("status.json", script ? script.src : window.location.href).toString();
  var seen = null;
  var panel = null;

  function showErrors(errors) {
    if (!panel) {
      panel = document.createElement("section");
      panel.className = "live-error";
      panel.setAttribute("role", "alert");
      panel.setAttribute("aria-labelledby", "live-error-title");
      var h = document.createElement("h2");
      h.id = "live-error-title";
      h.textContent = "The last change did not build; this page shows the last good version.";
      panel.appendChild(h);
      panel.appendChild(document.createElement("pre"));
      document.body.appendChild(panel);
    }
    panel.querySelector("pre").textContent = errors.join("\n");
  }

  function poll() {
    fetch(statusUrl, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (seen === null) { seen = s.build; }
      if (!s.ok) { showErrors(s.errors || []); }
      if (s.build !== seen) {
        seen = s.build;
        if (s.ok) { window.location.reload(); return; }
      }
      if (s.ok && panel) { window.location.reload(); return; }
      window.setTimeout(poll, 700);
    }).catch(function () { window.setTimeout(poll, 1500); });
  }
  poll();
}());
