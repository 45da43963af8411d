// The cart as the shopper sees it: a line per item with −, + and ✕ named after the item (a
// screen reader says "Ta bort Mellanmjölk", not "✕"), the VAT, the total and Pay.
import {sek, t} from "./i18n.js";
import {lineName, renderVat} from "./lines.js";

const $ = (id) => document.getElementById(id);

function button(text, className, action, label, onclick) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = className;
  node.dataset.action = action;
  node.textContent = text;
  node.setAttribute("aria-label", label);
  node.onclick = onclick;
  return node;
}

function span(text, className) {
  const node = document.createElement("span");
  node.textContent = text;
  node.className = className;
  return node;
}

// The lines are drawn anew on every change: a keyboard user's focus stays on the same button
// of the same line, or of the line that took its place, or goes to Pay.
function keepFocus(focused, index) {
  if (!focused) return;
  const rows = $("lines").children;
  const row = [...rows].find((r) => r.dataset.sku === focused.sku) ??
    rows[Math.min(index, rows.length - 1)];
  const target = row?.querySelector(`[data-action="${focused.action}"]`);
  (target ?? ($("pay").disabled ? $("title") : $("pay"))).focus();
}

// `change(sku, delta, item)`: the shopper asked for `delta` more (or fewer) of a line.
export function renderCart(quote, change) {
  const items = quote ? quote.items : [];
  const active = document.activeElement;
  const row = $("lines").contains(active) ? active.closest(".line") : null;
  const focused = row && {sku: row.dataset.sku, action: active.dataset.action};
  const index = row ? [...$("lines").children].indexOf(row) : 0;
  $("scan-hint").hidden = items.length > 0;
  $("lines").replaceChildren(...items.map((item) => {
    const row = document.createElement("li");
    row.className = "line";
    row.dataset.sku = item.sku;
    row.append(
      lineName(item),
      button("−", "qty", "fewer", t("one_less", item.name), () => change(item.sku, -1, item)),
      span(String(item.qty), "count"),
      button("+", "qty", "more", t("one_more", item.name), () => change(item.sku, 1, item)),
      span(sek(item.line_total_ore), "amount"),
      button("✕", "remove", "remove", t("remove_item", item.name),
             () => change(item.sku, -item.qty, item)));
    return row;
  }));
  renderVat($("vat"), quote ? quote.vat : []);
  $("total").textContent = sek(quote ? quote.total_ore : 0);
  $("pay").disabled = items.length === 0;
  keepFocus(focused, index);
}
