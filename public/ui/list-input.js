// The test panel's list rows (src/ui/pages/list-input.tsx): Add item and Remove change the rows in the
// page instead of making a round trip to the server. Without this script, the same buttons do it there.
"use strict";

for (const list of document.querySelectorAll("[data-list-input]")) {
  const rows = list.querySelector("[data-list-rows]");
  const template = list.querySelector("[data-list-template]");
  if (!rows || !template) continue;
  const label = list.dataset.listLabel ?? "";
  // Ids, labels and Remove buttons follow the rows' order, as the server would render them.
  const renumber = () => {
    [...rows.children].forEach((row, i) => {
      const control = row.querySelector("input, select");
      const rowLabel = row.querySelector("[data-list-row-label]");
      const remove = row.querySelector('button[name="_action"]');
      if (control) control.id = `${list.id}-${i}`;
      if (rowLabel) {
        rowLabel.htmlFor = `${list.id}-${i}`;
        rowLabel.textContent = `${label} item ${i + 1}`;
      }
      if (remove) {
        remove.value = `remove_item.${i}.${list.dataset.listName}`;
        remove.setAttribute("aria-label", `Remove ${label} item ${i + 1}`);
      }
    });
  };
  list.querySelector("[data-list-add]")?.addEventListener("click", (event) => {
    event.preventDefault();
    rows.append(template.content.cloneNode(true));
    renumber();
    rows.lastElementChild?.querySelector("input, select")?.focus();
  });
  rows.addEventListener("click", (event) => {
    const remove = event.target.closest?.('button[name="_action"]');
    if (!remove) return;
    event.preventDefault();
    const row = remove.closest("li");
    // One row always stays, emptied: an empty row is not sent.
    if (rows.children.length > 1) row?.remove();
    else row?.querySelectorAll("input, select").forEach((control) => (control.value = ""));
    renumber();
    rows.querySelector("input, select")?.focus();
  });
}
