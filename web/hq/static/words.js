// What the chain wallboard says of a store, in words (colour is never the only sign).
// A store that stopped reporting is "silent": it may be selling offline, which is what the
// product is for, so the board never calls it down.
import {formatClock, formatCount} from "/static/dashboard/format.js";

export const STATUS_ORDER = ["differs", "set_aside", "catalog_refused", "silent",
                             "never_reported", "waiting", "in_transit", "reporting"];

export const STATUS_WORDS = {
  differs: "differs", set_aside: "set aside", catalog_refused: "catalog refused",
  silent: "silent", never_reported: "never reported", waiting: "waiting",
  in_transit: "in transit", reporting: "reporting",
};

// A whole sentence about a store: its word, then what explains it.
export function describe(store, timeZone) {
  const parts = [store.store_id, STATUS_WORDS[store.status]];
  if (store.state === "silent") {
    parts.push(`silent since ${formatClock(store.last_report_at, timeZone)}`);
  }
  if (store.pending) parts.push(`${formatCount(store.pending)} sales waiting`);
  if (store.in_transit) parts.push(`${formatCount(store.in_transit)} on the bus`);
  if (store.set_aside) parts.push(`${formatCount(store.set_aside)} set aside`);
  if (store.reconciliation === "differs") parts.push("totals differ from head office's");
  return parts.join(" · ");
}

// The short line under a store's id when the grid has room for one.
export function detail(store, timeZone) {
  if (store.state === "silent") return `since ${formatClock(store.last_report_at, timeZone)}`;
  if (store.state === "never_reported") return "no report yet";
  if (store.pending) return `${formatCount(store.pending)} waiting`;
  if (store.in_transit) return `${formatCount(store.in_transit)} on the bus`;
  return `${store.kiosks_online}/${store.kiosks} kiosks`;
}
