// The chain's tiles and its alerts: a figure each and a line saying what it means, the state
// in colour and in words (ok / warn / bad).
import {formatAge, formatClock, formatCount, formatKronor} from "/static/dashboard/format.js";
import {tile} from "/static/dashboard/tiles.js";

export function renderTiles(o, {backlogAlertS}) {
  const quiet = o.stores_silent + o.stores_never_reported;
  const attention = o.stores_attention ? ` · ${formatCount(o.stores_attention)} need attention` : "";
  tile("stores_reporting", formatCount(o.stores_reporting),
       `of ${formatCount(o.stores_total)}${attention}`, o.stores_attention ? "warn" : "ok");
  tile("stores_silent", formatCount(o.stores_silent),
       o.stores_never_reported ? `${formatCount(o.stores_never_reported)} never reported`
         : quiet ? "may be selling offline" : "every store reporting", quiet ? "warn" : "ok");
  tile("orders_today", formatCount(o.orders_today), `at head office · ${o.business_day}`);
  tile("revenue_today_ore", formatKronor(o.revenue_today_ore), "at head office");
  const age = o.oldest_pending_at ? (Date.now() - Date.parse(o.oldest_pending_at)) / 1000 : null;
  const old = age !== null && age > backlogAlertS;
  tile("pending_count", formatCount(o.pending_count),
       age === null ? "nothing waiting" : `oldest ${formatAge(age)}${old ? " · ALERT" : ""}`,
       old ? "bad" : o.pending_count ? "warn" : "ok");
  tile("set_aside_count", formatCount(o.set_aside_count),
       o.set_aside_count ? "ALERT: for staff to look at" : "none", o.set_aside_count ? "bad" : "ok");
  tile("rows_refused", formatCount(o.rows_refused),
       o.rows_refused ? "ALERT: since head office started" : "none since start",
       o.rows_refused ? "bad" : "ok");
  tile("signature_refusals_last_hour", formatCount(o.signature_refusals_last_hour),
       "in the last hour", o.signature_refusals_last_hour ? "warn" : "ok");
  renderBus(o, backlogAlertS);
}

// The bus: sales published by stores, not yet taken by hq ingest; messages never ingested.
function renderBus(o, backlogAlertS) {
  if (o.bus === null) {
    tile("in_transit", "—", "no bus watched: stores deliver by HTTP", "");
    tile("bus_dead_letters", "—", "no bus watched", "");
    return;
  }
  const age = o.oldest_in_transit_at
    ? (Date.now() - Date.parse(o.oldest_in_transit_at)) / 1000 : null;
  const old = age !== null && age > backlogAlertS;
  const floor = o.bus.complete ? "" : "at least ";
  const note = o.bus.problem ? `ALERT: ${o.bus.problem}`
    : age === null ? "nothing on its way" : `${floor}oldest ${formatAge(age)}${old ? " · ALERT" : ""}`;
  tile("in_transit", formatCount(o.in_transit), note,
       o.bus.problem || old ? "bad" : o.in_transit ? "warn" : "ok");
  tile("bus_dead_letters", formatCount(o.bus_dead_letters),
       o.bus_dead_letters ? "never ingested: on the dead-letter stream" : "none",
       o.bus_dead_letters ? "bad" : "ok");
}

const KIND_WORDS = {silent: "Silent", backlog: "Backlog", differs: "Differs",
                    set_aside: "Set aside", rows_refused: "Rows refused",
                    catalog_refused: "Catalog refused", signature_refusals: "Signatures",
                    in_transit: "On the bus", dead_letters: "Dead letters",
                    bus_unwatched: "Bus"};

// Newest first; as many as the list has room for, then how many more.
export function renderAlerts(list, alerts, {timeZone, countElement}) {
  const sorted = Object.values(alerts).sort((a, b) => (b.since ?? "").localeCompare(a.since ?? ""));
  if (countElement) countElement.textContent = `· ${sorted.length}`;
  list.replaceChildren(...sorted.map((alert) => {
    const item = document.createElement("li");
    item.dataset.kind = alert.kind;
    const head = document.createElement("strong");
    const where = alert.store_id ?? "the chain";
    const since = alert.since ? ` · since ${formatClock(alert.since, timeZone)}` : "";
    head.textContent = `${KIND_WORDS[alert.kind] ?? alert.kind}: ${where}${since}`;
    const text = document.createElement("span");
    text.textContent = alert.message;
    item.append(head, text);
    return item;
  }));
  if (!sorted.length) {
    const item = document.createElement("li");
    item.className = "none";
    item.textContent = "No alerts";
    list.append(item);
  }
}
