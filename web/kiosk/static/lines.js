// How an order line and its VAT read, in the cart and on the receipt alike.
import {el} from "./dom.js";
import {sek, t} from "./i18n.js";

// The price a shopper checks the line by: per kg for weighed goods, else per item.
export function unitText(item) {
  if (item.measure?.grams) {
    return `${item.measure.grams} g · ${t("kg_price", sek(item.measure.price_per_kg_ore))}`;
  }
  return t("unit_price", sek(item.unit_price_ore));
}

// The name and, under it, the unit price: one cell of a line.
export function lineName(item, prefix = "") {
  const cell = el("span", undefined, "name");
  cell.append(el("span", `${prefix}${item.name}`, "title"), el("span", unitText(item), "unit"));
  return cell;
}

export function renderVat(target, vat) {
  target.replaceChildren(...vat.map((v) => el("div", `${t("vat", v.rate)}: ${sek(v.amount_ore)}`)));
}
