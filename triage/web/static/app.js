// A little script only to improve the page: the page works without it (Print is in the browser's
// menu, and the case record's text can be selected and copied by hand).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("tool-status");
  const record = document.getElementById("record");
  const say = (text) => { if (status) { status.textContent = text; } };
  for (const button of document.querySelectorAll("button[data-action]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      if (button.dataset.action === "print") {
        window.print();
        return;
      }
      try {
        await navigator.clipboard.writeText(record.value);
      } catch (error) {
        record.select();
        document.execCommand("copy");
      }
      say("Copied the case record as text.");
    });
  }
});
