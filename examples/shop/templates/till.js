// The till's live view (see src/pages/till_live.rs): the session's events,
// as the shop sends them, shown as they come. A file of the shop's, since
// the page's policy allows no inline script; text only (textContent),
// never markup.
"use strict";
(function () {
  const live = document.getElementById("live");
  const shown = document.getElementById("shown");
  const status = document.getElementById("status");
  const note = document.getElementById("live-note");
  if (!live || !shown || !status || typeof EventSource !== "function") {
    return;
  }
  const source = new EventSource(live.dataset.events);
  // The stream tells the session's story from its start: a (re)connection
  // draws the list afresh.
  let fresh = true;
  const line = (text) => {
    if (fresh) {
      shown.replaceChildren();
      fresh = false;
    }
    const item = document.createElement("li");
    item.textContent = text;
    shown.appendChild(item);
  };
  let troubled = false;
  const say = (text) => {
    if (note) {
      note.textContent = text;
    }
  };
  source.addEventListener("open", () => {
    fresh = true;
    say("Live: following the terminal as it happens.");
  });
  source.addEventListener("notice", (event) => line(event.data));
  source.addEventListener("status", (event) => {
    line(event.data);
    status.textContent = event.data;
  });
  source.addEventListener("trouble", (event) => {
    troubled = true;
    say(event.data);
  });
  source.addEventListener("settled", (event) => {
    source.close();
    if (event.data !== live.dataset.status) {
      // What may be done now (a signature to check, a refund) is the
      // page's: draw it again.
      window.location.reload();
    } else if (!troubled) {
      say("No change for a while: reload the page to follow it again.");
    }
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      say("The live view stopped: reload the page.");
    }
  });
})();
