// @ts-check
/**
 * The scorecard's filter: failed and inconclusive (the default, passes folded),
 * failed, inconclusive, or all. Plain ES2017, inlined as it is (see charts.js
 * for why); no network, no library. Without scripts the filter stays hidden and
 * every row shows, so nothing depends on this file to be read.
 */
(() => {
  var section = document.getElementById("scorecard");
  if (!section) return;
  var bar = /** @type {HTMLElement | null} */ (section.querySelector(".filter"));
  var note = section.querySelector(".filter-note");
  if (!bar) return;
  var buttons = /** @type {NodeListOf<HTMLButtonElement>} */ (bar.querySelectorAll("button[data-filter]"));
  var rows = /** @type {NodeListOf<HTMLTableRowElement>} */ (section.querySelectorAll("tr.slo-row"));
  var groups = /** @type {NodeListOf<HTMLTableRowElement>} */ (section.querySelectorAll("tr.group"));

  /**
   * @param {string} filter
   * @param {string} verdict
   */
  function shows(filter, verdict) {
    if (filter === "all") return true;
    if (filter === "attention") return verdict !== "pass";
    return verdict === filter;
  }

  /** @param {string} filter */
  function apply(filter) {
    var shown = 0;
    rows.forEach((row) => {
      var visible = shows(filter, row.getAttribute("data-verdict") || "");
      row.hidden = !visible;
      if (visible) shown++;
    });
    // Each scenario's group row says how many of its rows the filter folded away.
    groups.forEach((group) => {
      var folded = 0;
      var next = group.nextElementSibling;
      while (next && !next.classList.contains("group")) {
        if (next.classList.contains("slo-row") && /** @type {HTMLTableRowElement} */ (next).hidden) folded++;
        next = next.nextElementSibling;
      }
      var mark = group.querySelector(".folded");
      if (mark) mark.textContent = folded > 0 ? ` · ${folded} folded` : "";
    });
    buttons.forEach((b) => {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === filter ? "true" : "false");
    });
    if (note) note.textContent = shown === 0 ? "None to show: choose All to list every SLO." : "";
    section?.setAttribute("data-filter", filter);
  }

  buttons.forEach((b) => {
    b.addEventListener("click", () => apply(b.getAttribute("data-filter") || "all"));
  });
  bar.hidden = false;
  apply("attention");
})();
