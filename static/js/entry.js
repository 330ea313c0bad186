/* The entry form, improved when scripts run (it works without): a live preview drawn by the
   server's own Markdown renderer, and a counter near each text's limit. No inline code: the
   page's CSP allows scripts from this site only. */
(function () {
  "use strict";
  var form = document.querySelector("form.entry-form");
  if (!form || !window.fetch || !window.FormData) return;
  var section = document.getElementById("preview");
  var body = section && section.querySelector(".preview-body");
  var fields = form.querySelectorAll("textarea[name=progress], textarea[name=thoughts]");
  var lang = document.documentElement.lang || "en";
  var words = lang === "es"
    ? { left: " caracteres disponibles", over: " caracteres de más: acorta el texto para guardarlo" }
    : { left: " characters left", over: " characters too many: shorten the text to save it" };

  // Counters: shown from 90 % of the limit; over it, they say so (the server refuses the save).
  Array.prototype.forEach.call(fields, function (field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!max) return;
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.id = field.id + "_counter";
    counter.setAttribute("aria-live", "polite");
    counter.hidden = true;
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var n = field.value.length;
      counter.hidden = n < max * 0.9;
      counter.classList.toggle("over", n > max);
      var fmt = n.toLocaleString ? function (x) { return x.toLocaleString(lang); } : String;
      counter.textContent = n > max ? fmt(n - max) + words.over : fmt(max - n) + words.left;
    }
    field.addEventListener("input", update);
    update();
  });

  // Live preview: after a pause in typing, ask the server (the same renderer as saving).
  if (!section || !body) return;
  var timer = null, last = null, pending = null;
  function refresh() {
    var data = new FormData(form);
    data.set("preview", "1");
    var key = (data.get("progress") || "") + "\u0000" + (data.get("thoughts") || "");
    if (key === last) return;
    last = key;
    if (pending && pending.abort) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Preview": "fragment" },
      signal: pending ? pending.signal : undefined
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector(".preview-body");
      if (!fresh) return;
      body.replaceWith(document.importNode(fresh, true));
      body = section.querySelector(".preview-body");
      section.hidden = false;
    }).catch(function () { /* offline or refused: the Preview button still works */ });
  }
  Array.prototype.forEach.call(fields, function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    });
  });
})();
