// The kiosk grid: one card per kiosk, kept in place between updates so the wall does not flicker.
// An alert (offline, sales set aside, an old backlog, a sync error) outlines the card and
// says so in words.
import {formatAge, formatSince} from "./format.js";

function alertOf(kiosk, backlogAlertS) {
  if (!kiosk.online) return kiosk.last_heartbeat_at ? "Offline: no heartbeat" : "Offline: never seen";
  if (kiosk.set_aside_count) return `${kiosk.set_aside_count} sale(s) set aside for staff`;
  const age = kiosk.oldest_pending_age_s;
  if (age !== null && age > backlogAlertS) return `Backlog older than ${formatAge(backlogAlertS)}`;
  if (syncErrorIsCurrent(kiosk)) return "Sync failing";
  return "";
}

// An error counts until a later sync succeeds.
const syncErrorIsCurrent = (k) => Boolean(k.last_sync_error) &&
  (!k.last_sync_at || k.last_sync_error_at > k.last_sync_at);

// The edge decides the link state (the same rule its "central link down" tile counts by):
// the card only says it in words.
const LINK_TEXT = {up: "Central link up", down: "Central link down",
                   forced: "Link forced down (drill)", unknown: "Link unknown (offline)"};

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
  element.dataset.alert = alert ? "yes" : "no";
  element.dataset.online = kiosk.online ? "yes" : "no";
  element.dataset.link = kiosk.link;
  set("alert", alert ? `ALERT · ${alert}` : "");
  set("online", kiosk.online ? "● Online"
    : kiosk.last_heartbeat_at ? "○ Offline" : "○ Offline · never seen");
  set("link", LINK_TEXT[kiosk.link] ?? kiosk.link);
  set("pending", kiosk.pending_count
    ? `${kiosk.pending_count} waiting · oldest ${formatAge(kiosk.oldest_pending_age_s)}`
    : "Nothing waiting");
  set("heartbeat", `Heartbeat ${formatSince(kiosk.last_heartbeat_at, now)}`);
  set("sync", `Last sync ${formatSince(kiosk.last_sync_at, now)}`);
  set("error", syncErrorIsCurrent(kiosk) ? `Error: ${kiosk.last_sync_error}` : "");
  element.querySelector(".error").title = element.querySelector(".error").textContent;  // whole
}

export function renderKiosks(container, kiosks, {backlogAlertS}) {
  const now = Date.now();
  for (const element of [...container.children]) {
    if (!Object.hasOwn(kiosks, element.dataset.kioskId)) element.remove();  // it left the board
  }
  // kiosk-2 before kiosk-10, as staff count them; a card is moved only when out of place.
  const ids = Object.keys(kiosks).sort((a, b) => a.localeCompare(b, "en", {numeric: true}));
  ids.forEach((kioskId, i) => {
    const element = card(container, kioskId);
    if (container.children[i] !== element) container.insertBefore(element, container.children[i]);
    fill(element, kiosks[kioskId], backlogAlertS, now);
  });
}
