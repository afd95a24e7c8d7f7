// A little script only to improve the page: the page works without it (Print is in the browser's
// menu, the case record's text can be selected and copied by hand, and every page has its own
// Back button).
"use strict";

// The browser's Back button. Every page is the answer to a form, and a browser keeps no copy of
// it (the answers are about a child: no-store). So each page carries the fields that produced it
// (#this-page); they are kept in this page's own history entry, with its address changed to
// one the browser may ask for again without a form. Going back to it loads that address, which
// sends the kept fields again. Nothing leaves the browser's history: no address, no cookie, no
// storage holds an answer.
function keepThisPage() {
  const page = document.getElementById("this-page");
  if (!page) { return; }
  // The page's name, relative to the base: the app may sit under a root path.
  const action = new URL(page.dataset.page, document.baseURI).pathname;
  history.replaceState({ triage: { action, fields: JSON.parse(page.dataset.fields) } }, "", action);
}

function askAgain() {
  if (!document.querySelector("[data-going-back]")) { return; }
  const kept = history.state && history.state.triage;
  if (!kept || kept.action !== location.pathname) { return; }
  const form = document.createElement("form");
  form.method = "post";
  form.action = kept.action;
  form.hidden = true;
  for (const [name, value] of kept.fields) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();  // before the page has loaded: it replaces this history entry, not adds one
}

function tools() {
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
}

document.addEventListener("DOMContentLoaded", () => {
  askAgain();
  keepThisPage();
  tools();
});
