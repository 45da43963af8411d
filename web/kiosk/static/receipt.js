// The receipt: what a shopper keeps of the sale. It closes on "Done" or after the store's
// setting of seconds, and then the kiosk is ready for the next shopper.
import {announce} from "./announce.js";
import {closeModal, openModal} from "./focus.js";
import {currentLanguage, sek, t} from "./i18n.js";
import {lineName, renderVat} from "./lines.js";

const $ = (id) => document.getElementById(id);

// A number a person can read out to staff: the kiosk and the first eight characters of the
// sale's idempotency key, which staff find in the sale's order_uuid (kiosk_id:key).
export function receiptNumber(order) {
  const key = order.idempotency_key.replace(/-/g, "").slice(0, 8).toUpperCase();
  return `${order.kiosk_id} · ${key.slice(0, 4)}-${key.slice(4)}`;
}

function saleTime(order, timeZone) {
  const locale = currentLanguage() === "sv" ? "sv-SE" : "en-GB";
  const format = new Intl.DateTimeFormat(locale, {dateStyle: "short", timeStyle: "short", timeZone});
  return format.format(new Date(order.created_at));
}

function fill(order, store) {
  $("receipt-number").textContent = receiptNumber(order);
  $("receipt-store").textContent = store.name;
  $("receipt-time").textContent = saleTime(order, store.timeZone);
  $("receipt-method").textContent = t(order.payment.method);
  $("receipt-reference").textContent = order.payment.reference;
  $("receipt-lines").replaceChildren(...order.items.map((item) => {
    const row = document.createElement("li");
    row.className = "line";
    const amount = document.createElement("span");
    amount.className = "amount";
    amount.textContent = sek(item.line_total_ore);
    row.append(lineName(item, `${item.qty} × `), amount);
    return row;
  }));
  renderVat($("receipt-vat"), order.vat);
  $("receipt-total").textContent = sek(order.total_ore);
  markSync(order.sync_state);
}

export function markSync(syncState) {
  const sync = $("receipt-sync");
  sync.dataset.state = syncState;
  sync.textContent = t(syncState === "synced" ? "synced" : "waiting");
}

// Show the receipt; resolves when it closed (Done, Escape or its timeout).
export function showReceipt(order, store, timeoutS) {
  fill(order, store);
  const dialog = $("receipt-dialog");
  openModal(dialog, $("receipt-done"));
  announce(t("receipt_said", sek(order.total_ore), receiptNumber(order)));
  return new Promise((resolve) => {
    let left = timeoutS;
    const tick = () => {
      $("receipt-countdown").textContent = t("receipt_closes", left);
      if (left-- <= 0) close();
    };
    const timer = setInterval(tick, 1000);
    const close = () => {
      clearInterval(timer);
      closeModal(dialog);
      resolve();
    };
    tick();
    $("receipt-done").onclick = close;
    $("receipt-more").onclick = () => {  // as long as the shopper needs (WCAG 2.2.1)
      left += timeoutS;
      $("receipt-countdown").textContent = t("receipt_closes", left);
    };
    dialog.oncancel = (event) => {
      event.preventDefault();
      close();
    };
  });
}
