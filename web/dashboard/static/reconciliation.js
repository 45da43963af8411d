// Edge beside central, per kiosk and day: the wall's proof that nothing was lost or doubled.
import {formatCount, formatKronor} from "./format.js";

const SHOWN_ROWS = 5;  // as many as its corner of the screen holds beside the charts
const STATUS_TEXT = {matches: "✓ matches", pending: "… syncing", in_transit: "→ on the bus",
                     attention: "⚠ set aside", differs: "✗ differs"};

function verdict(report) {
  const differing = report.rows.filter((row) => row.status === "differs").length;
  if (differing) return ["bad", `ALERT: ${differing} kiosk-day(s) differ from central`];
  if (report.set_aside) {
    return ["bad", `ALERT: ${report.set_aside} sale(s) refused by central, set aside for staff`];
  }
  if (report.all_match) return ["ok", "✓ Every sale is at head office, exactly once"];
  if (report.rows.some((row) => row.status === "in_transit")) {
    return ["warn", "Sales on the bus or waiting to sync; everything else matches"];
  }
  return ["warn", "Sales waiting to sync; everything else matches"];
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
}

export function renderReconciliation(report) {
  const [state, text] = verdict(report);
  const verdictLine = document.getElementById("reconciliation-verdict");
  verdictLine.dataset.state = state;
  verdictLine.textContent = text;
  document.getElementById("reconciliation-counters").textContent =
    `Duplicates absorbed at central: ${formatCount(report.duplicates_absorbed)} · ` +
    `set aside for staff: ${formatCount(report.set_aside)}`;
  // The rows that need a look first, then the latest days.
  const order = {differs: 0, attention: 1, pending: 2, in_transit: 3, matches: 4};
  const rows = [...report.rows].sort((a, b) => order[a.status] - order[b.status] ||
    b.business_day.localeCompare(a.business_day) || a.kiosk_id.localeCompare(b.kiosk_id));
  const body = document.getElementById("reconciliation-rows");
  body.replaceChildren(...rows.slice(0, SHOWN_ROWS).map((r) => {
    const tr = document.createElement("tr");
    tr.dataset.status = r.status;
    cell(tr, r.kiosk_id);
    cell(tr, r.business_day);
    cell(tr, `${formatCount(r.edge.orders)} · ${formatKronor(r.edge.total_ore)}`);
    cell(tr, `${formatCount(r.central.orders)} · ${formatKronor(r.central.total_ore)}`);
    const difference = r.status === "differs" || r.status === "attention"
      ? ` (${r.difference.orders} orders, ${formatKronor(r.difference.total_ore)})`
      : r.status === "in_transit" ? ` (${formatCount(r.edge.in_transit)})` : "";
    cell(tr, STATUS_TEXT[r.status] + difference);
    return tr;
  }));
}
