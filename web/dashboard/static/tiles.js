// The fleet tiles: one big figure each, a line of text saying what it means, and a state
// (ok / warn / bad) shown by colour and, for people who cannot tell colours apart, in words.
import {formatAge, formatCount, formatKronor} from "./format.js";

export function tile(name, value, note, state = "") {
  const element = document.querySelector(`[data-tile="${name}"]`);
  element.querySelector(".value").textContent = value;
  element.querySelector(".note").textContent = note;
  element.dataset.state = state;
}

const REFUSED_WHY = {bad_signature: "its signature does not hold",
                     malformed_document: "it is not a price list", invalid_items: "bad items",
                     version_mismatch: "its items do not match its version"};

// A price list from head office this store refused: said in words, in the bar, until restart.
function renderCatalogRefused(refused) {
  const line = document.getElementById("catalog-refused");
  line.hidden = !refused;
  line.textContent = refused ? `ALERT: head office's price list ${refused.seq ?? ""} refused ` +
    `(${REFUSED_WHY[refused.reason] || refused.reason}); selling on the last good prices` : "";
}

export function renderTiles(o, {backlogAlertS}) {
  renderCatalogRefused(o.catalog_refused);
  const offline = o.kiosks_total - o.kiosks_online;
  tile("kiosks_online", `${o.kiosks_online} / ${o.kiosks_total}`,
       offline ? `ALERT: ${offline} offline` : "all online", offline ? "bad" : "ok");
  tile("kiosks_link_down", formatCount(o.kiosks_link_down),
       o.kiosks_link_down ? "sales kept in store until it returns" : "every link up",
       o.kiosks_link_down ? "warn" : "ok");
  tile("orders_today", formatCount(o.orders_today), `${o.checkouts_per_minute} in the last minute`);
  tile("revenue_today_ore", formatKronor(o.revenue_today_ore),
       `${formatKronor(o.revenue_total_ore)} in all`);
  tile("pending_count", formatCount(o.pending_count),
       o.pending_count ? "stored here, safe, not yet at head office" : "nothing waiting",
       o.pending_count ? "warn" : "ok");
  const age = o.oldest_pending_age_s;
  const old = age !== null && age > backlogAlertS;
  tile("oldest_pending_age_s", age === null ? "—" : formatAge(age),
       old ? `ALERT: over ${formatAge(backlogAlertS)}` : `alert after ${formatAge(backlogAlertS)}`,
       old ? "bad" : age === null ? "ok" : "warn");
  tile("synced_count", formatCount(o.synced_count), `of ${formatCount(o.orders_total)} orders`);
  const central = o.central_order_count;
  const moving = o.in_transit ? o.in_transit : 0;
  const movingAge = o.oldest_in_transit_at
    ? (Date.now() - Date.parse(o.oldest_in_transit_at)) / 1000 : null;
  const stuck = movingAge !== null && movingAge > backlogAlertS;
  const onBus = moving ? ` · ${formatCount(moving)} on the bus, oldest ${formatAge(movingAge ?? 0)}`
    + (stuck ? " · ALERT" : "") : "";
  tile("central_order_count", formatCount(central),
       central === null ? "ALERT: head office not answering"
         : `orders in head office's ledger${onBus}`,
       central === null || stuck ? "bad" : moving ? "warn" : "");
}
