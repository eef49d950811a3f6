// The sends page: refresh each running send's counts every two seconds until it stops.
(function () {
  "use strict";
  var FIELDS = [
    "recipients", "queued", "sending", "retrying", "sent", "failed", "bounced", "suppressed",
    "opens", "clicks", "state_label",
  ];
  // Shown only while there are some, as on the page the server renders.
  var SHOWN_WHEN_ANY = ["sending", "retrying", "suppressed"];

  function update(row, data) {
    FIELDS.forEach(function (name) {
      var cell = row.querySelector('[data-field="' + name + '"]');
      if (!cell) return;
      cell.textContent = data[name];
      if (SHOWN_WHEN_ANY.indexOf(name) !== -1) cell.parentNode.hidden = !data[name];
    });
    var bar = row.querySelector("progress");
    if (bar) {
      bar.max = data.recipients || 1;
      bar.value = data.done;
    }
  }

  function poll(row) {
    var url = row.getAttribute("data-progress-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        update(row, data);
        if (data.is_running) {
          window.setTimeout(function () { poll(row); }, 2000);
        } else {
          // Finished or paused elsewhere: reload once, so the buttons match the new state.
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, 2000); });
  }

  document.querySelectorAll("tr[data-progress-url]").forEach(function (row) {
    window.setTimeout(function () { poll(row); }, 2000);
  });
})();
