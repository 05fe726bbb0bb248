// Ordex workbench behaviour. No inline scripts anywhere (the Content-Security-Policy forbids them):
// everything a page does in the browser is here, keyed by data- attributes.
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Rows of a list that j/k move through and Enter opens (the queue).
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-keyboard-list] tr[data-href]"));
  }

  var selectedId = null;

  function select(index) {
    var list = rows();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (row) { row.classList.remove("selected"); row.removeAttribute("aria-selected"); });
    var row = list[index];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.getAttribute("data-case-id");
    row.scrollIntoView({ block: "nearest" });
  }

  function selectedIndex() {
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("selected")) { return i; }
    }
    return -1;
  }

  // After the queue refreshes itself, keep the same case selected.
  document.addEventListener("htmx:afterSwap", function () {
    if (!selectedId) { return; }
    var list = rows();
    for (var i = 0; i < list.length; i++) {
      if (list[i].getAttribute("data-case-id") === selectedId) { select(i); return; }
    }
  });

  function click(selector) {
    var element = document.querySelector(selector);
    if (element) { element.click(); return true; }
    return false;
  }

  function focus(selector) {
    var element = document.querySelector(selector);
    if (element) { element.focus(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (typing(event)) { return; }
    var handled = true;
    switch (event.key) {
      case "j": select(selectedIndex() + 1); break;
      case "k": select(selectedIndex() <= 0 ? 0 : selectedIndex() - 1); break;
      case "Enter":
        var list = rows(), index = selectedIndex();
        if (index >= 0) { window.location.href = list[index].getAttribute("data-href"); } else { handled = false; }
        break;
      case "/": handled = focus("#search"); break;
      case "a": handled = click("[data-key='a']"); break;
      case "n": handled = focus("[data-key='n']"); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, select, textarea, label")) {
      window.location.href = row.getAttribute("data-href");
    }
  });

  // A select that submits its form when changed (the language switch).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
      event.target.form.submit();
    }
  });

  // Evidence: drop files on the zone, or pick them; the form then uploads as usual.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (input && event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });
  });
})();
