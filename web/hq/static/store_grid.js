// Every store at a glance: one cell per store, grouped under its state's word (the most
// pressing group first), each cell coloured by that state and linking to the store's page.
// At 1,300 stores a cell holds its id alone (the group says the word, the cell's label the
// whole sentence); with fewer stores it says more. Cells are kept and moved, not rebuilt.
import {STATUS_ORDER, STATUS_WORDS, describe, detail} from "./words.js";

const cells = new Map();  // store id -> its element
const groups = new Map();  // status -> {section, heading, list}

const byId = (a, b) => a.store_id.localeCompare(b.store_id, "en", {numeric: true});
const SORTS = {
  id: byId,
  backlog: (a, b) => b.pending - a.pending ||
    (a.oldest_pending_at ?? "~").localeCompare(b.oldest_pending_at ?? "~") || byId(a, b),
  // Never reported first, then the longest silent (the oldest last report).
  silence: (a, b) => (a.last_report_at ?? "").localeCompare(b.last_report_at ?? "") ||
    byId(a, b),
};

function group(container, status) {
  if (!groups.has(status)) {
    const section = document.createElement("section");
    section.className = "group";
    section.dataset.status = status;
    const heading = document.createElement("h2");
    const list = document.createElement("div");
    list.className = "cells";
    section.append(heading, list);
    groups.set(status, {section, heading, list});
  }
  const found = groups.get(status);
  container.append(found.section);  // in STATUS_ORDER, as the caller walks it
  return found;
}

function cell(storeId) {
  let element = cells.get(storeId);
  if (!element) {
    element = document.createElement("a");
    element.className = "store";
    element.href = `/hq/stores/${encodeURIComponent(storeId)}`;
    element.dataset.storeId = storeId;
    const name = document.createElement("span");
    name.className = "id";
    name.textContent = storeId;
    const more = document.createElement("span");
    more.className = "detail";
    element.append(name, more);
    cells.set(storeId, element);
  }
  return element;
}

function density(count) {
  if (count <= 60) return "roomy";
  return count <= 400 ? "dense" : "tight";
}

export function renderStores(container, stores, {attentionOnly, sort, search, timeZone}) {
  for (const [storeId, element] of cells) {
    if (!Object.hasOwn(stores, storeId)) {
      element.remove();
      cells.delete(storeId);
    }
  }
  const rows = Object.values(stores);
  container.dataset.density = density(rows.length);
  const query = search.trim().toLowerCase();
  const shown = rows.filter((s) => (!attentionOnly || s.attention) &&
    (!query || s.store_id.toLowerCase().includes(query))).sort(SORTS[sort] ?? byId);
  for (const status of STATUS_ORDER) {
    const members = shown.filter((s) => s.status === status);
    const {section, heading, list} = group(container, status);
    section.hidden = members.length === 0;
    heading.textContent = `${STATUS_WORDS[status]} · ${members.length}`;
    list.replaceChildren(...members.map((store) => {
      const element = cell(store.store_id);
      element.dataset.status = store.status;
      element.dataset.attention = store.attention ? "yes" : "no";
      element.querySelector(".detail").textContent = detail(store, timeZone);
      const sentence = describe(store, timeZone);
      element.title = sentence;
      element.setAttribute("aria-label", sentence);
      return element;
    }));
  }
  return {shown: shown.length, total: rows.length};
}
