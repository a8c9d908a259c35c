// Sorts a table of class "sortable" by a column when its header's button is pressed, and again the
// other way round. It only moves the rows that are there: it reads each cell's data-v attribute (a
// number the grader wrote) or its text, and never writes HTML. Empty values stay last either way.
"use strict";
for (const table of document.querySelectorAll("table.sortable")) {
  const heads = table.tHead.rows[0].cells;
  const body = table.tBodies[0];
  for (let col = 0; col < heads.length; col++) {
    const button = heads[col].querySelector("button");
    if (!button) continue;
    button.addEventListener("click", () => {
      const up = heads[col].getAttribute("aria-sort") !== "ascending";
      for (const head of heads) head.removeAttribute("aria-sort");
      heads[col].setAttribute("aria-sort", up ? "ascending" : "descending");
      const key = (row) => {
        const cell = row.cells[col];
        if (!cell) return null;
        if (cell.hasAttribute("data-v")) {
          const v = cell.getAttribute("data-v");
          return v === "" ? null : Number(v);
        }
        const text = cell.textContent.trim();
        return text === "" || text === "\u2013" ? null : text;
      };
      const order = (a, b) => {
        if (a === null || b === null) return (a === null) - (b === null);
        const c = typeof a === "number" && typeof b === "number" ? a - b
          : String(a).localeCompare(String(b), undefined, {numeric: true, sensitivity: "base"});
        return up ? c : -c;
      };
      const rows = Array.from(body.rows, (row) => [key(row), row]);
      rows.sort((x, y) => order(x[0], y[0]));
      for (const [, row] of rows) body.appendChild(row);
    });
  }
}
