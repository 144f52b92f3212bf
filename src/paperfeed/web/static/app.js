// paperfeed: progressive enhancement only; every feature works without this file.
// Upvotes without a reload, and "Show more" only under abstracts that are clamped.
(function () {
  "use strict";

  function plural(n) { return n + (n === 1 ? " vote" : " votes"); }

  function show(paper, voted, votes) {
    var buttons = document.querySelectorAll("form.vote button");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (b.getAttribute("data-paper") !== paper) continue;
      b.setAttribute("aria-pressed", voted ? "true" : "false");
      b.setAttribute("aria-label", (voted ? "Remove your upvote" : "Upvote") + " (" + plural(votes) + ")");
      b.querySelector(".count").textContent = String(votes);
    }
    var live = document.getElementById("live");
    if (live) live.textContent = (voted ? "Upvoted. " : "Upvote removed. ") + plural(votes) + ".";
  }

  // Sends form in the background and hands the response to answer; when the request fails
  // the form is submitted as without script.
  function background(form, answer) {
    var button = form.querySelector("button");
    button.disabled = true;
    return fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(answer).catch(function () { form.submit(); })
      .then(function () { button.disabled = false; });
  }

  function vote(form) {
    return background(form, function (response) {
      if (response.status === 401) {
        return response.json().then(function (data) { window.location.assign(data.signin); });
      }
      if (!response.ok) { form.submit(); return null; }
      return response.json().then(function (data) { show(data.paper_id, data.voted, data.votes); });
    });
  }

  // The reader's private signals (save, more, less, hide): the answer lists every signal
  // the paper now has, so a button whose opposite was just set is released too.
  function showMarks(paper, kinds) {
    var groups = document.querySelectorAll(".marks");
    for (var i = 0; i < groups.length; i++) {
      if (groups[i].getAttribute("data-paper") !== paper) continue;
      var buttons = groups[i].querySelectorAll("button[data-kind]");
      for (var j = 0; j < buttons.length; j++) {
        var b = buttons[j], on = kinds.indexOf(b.getAttribute("data-kind")) >= 0;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.textContent = b.getAttribute(on ? "data-pressed-label" : "data-label");
        b.form.querySelector("input[name=on]").value = on ? "0" : "1";
      }
      var card = groups[i].closest(".card");
      if (card) card.classList.toggle("is-hidden", kinds.indexOf("hide") >= 0);
    }
    var live = document.getElementById("live");
    if (live) live.textContent = kinds.length ? "Marked: " + kinds.join(", ") + "." : "Mark removed.";
  }

  function mark(form) {
    return background(form, function (response) {
      if (!response.ok) { form.submit(); return null; }
      return response.json().then(function (data) { showMarks(data.paper_id, data.signals); });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var isVote = form.classList.contains("vote"), isMark = form.classList.contains("mark");
    if (!isVote && !isMark) return;
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    if (isVote) vote(form); else mark(form);
  });

  function markShortAbstracts() {
    var items = document.querySelectorAll(".card .abstract");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var body = el.parentNode;
      var checked = body.querySelector(".more");
      if (checked && checked.checked) continue;
      body.classList.toggle("fits", el.scrollHeight <= el.clientHeight + 2);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markShortAbstracts);
  } else {
    markShortAbstracts();
  }
  window.addEventListener("resize", markShortAbstracts);
})();
