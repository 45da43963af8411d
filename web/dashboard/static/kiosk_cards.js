// The kiosk grid: one card per kiosk, kept in place between updates so the wall does not flicker.
// An alert (offline, sales set aside, an old backlog, a sync error) outlines the card and
// says so in words.
import {formatAge, formatSince} from "./format.js";

function alertOf(kiosk, backlogAlertS) {
  if (!kiosk.online) return "Offline: no heartbeat";
  if (kiosk.set_aside_count) return `${kiosk.set_aside_count} sale(s) set aside for staff`;
  const age = kiosk.oldest_pending_age_s;
  if (age !== null && age > backlogAlertS) return `Backlog older than ${formatAge(backlogAlertS)}`;
  if (syncErrorIsCurrent(kiosk)) return "Sync failing";
  return "";
}

// An error counts until a later sync succeeds.
const syncErrorIsCurrent = (k) => Boolean(k.last_sync_error) &&
  (!k.last_sync_at || k.last_sync_error_at > k.last_sync_at);

function linkOf(kiosk) {
  if (kiosk.link_forced_down) return ["forced", "Link forced down (drill)"];
  return kiosk.central_link_up ? ["up", "Central link up"] : ["down", "Central link down"];
}

function card(container, kioskId) {
  let element = container.querySelector(`[data-kiosk-id="${CSS.escape(kioskId)}"]`);
  if (element) return element;
  element = document.createElement("article");
  element.className = "kiosk";
  element.dataset.kioskId = kioskId;
  for (const part of ["alert", "name", "online", "link", "pending", "heartbeat", "sync", "error"]) {
    const line = document.createElement(part === "name" ? "h3" : "p");
    line.className = part;
    element.append(line);
  }
  element.querySelector(".name").textContent = kioskId;
  container.append(element);
  return element;
}

function fill(element, kiosk, backlogAlertS, now) {
  const set = (part, text) => { element.querySelector(`.${part}`).textContent = text; };
  const alert = alertOf(kiosk, backlogAlertS);
  const [link, linkText] = linkOf(kiosk);
  element.dataset.alert = alert ? "yes" : "no";
  element.dataset.online = kiosk.online ? "yes" : "no";
  element.dataset.link = link;
  set("alert", alert ? `ALERT · ${alert}` : "");
  set("online", kiosk.online ? "● Online" : "○ Offline");
  set("link", linkText);
  set("pending", kiosk.pending_count
    ? `${kiosk.pending_count} waiting · oldest ${formatAge(kiosk.oldest_pending_age_s)}`
    : "Nothing waiting");
  set("heartbeat", `Heartbeat ${formatSince(kiosk.last_heartbeat_at, now)}`);
  set("sync", `Last sync ${formatSince(kiosk.last_sync_at, now)}`);
  set("error", syncErrorIsCurrent(kiosk) ? `Error: ${kiosk.last_sync_error}` : "");
}

export function renderKiosks(container, kiosks, {backlogAlertS}) {
  const now = Date.now();
  for (const kioskId of Object.keys(kiosks).sort()) {
    fill(card(container, kioskId), kiosks[kioskId], backlogAlertS, now);
  }
}
