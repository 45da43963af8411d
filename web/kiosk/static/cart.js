// The cart: SKUs and quantities only, kept in the browser so a reload loses nothing.
// Prices, totals and VAT always come from the edge (POST /edge/quote).
export class Cart {
  constructor(kioskId) {
    this.key = `aoc-cart-${kioskId}`;
    this.lines = JSON.parse(localStorage.getItem(this.key) || "[]");
  }

  save() {
    localStorage.setItem(this.key, JSON.stringify(this.lines));
  }

  // `entry` "keyed" marks a code typed by hand: the edge has staff look at a typed scale
  // label, and a line once typed stays marked so.
  with(sku, delta, entry = "scanned") {
    const lines = this.lines.map((line) => ({...line}));
    const line = lines.find((l) => l.sku === sku);
    if (line) line.qty += delta;
    else if (delta > 0) lines.push({sku, qty: delta});
    const changed = lines.find((l) => l.sku === sku);
    if (changed && entry === "keyed") changed.entry = "keyed";
    return lines.filter((l) => l.qty > 0);
  }

  replace(lines) {
    this.lines = lines;
    this.save();
  }

  clear() {
    this.replace([]);
  }
}

// The checkout in flight: made (with its idempotency key) before the first try and kept
// until the edge answers, so a reload or a restart of the edge never loses or doubles a sale.
export class InFlight {
  constructor(kioskId) {
    this.key = `aoc-inflight-${kioskId}`;
  }

  get() {
    return JSON.parse(localStorage.getItem(this.key) || "null");
  }

  set(body) {
    localStorage.setItem(this.key, JSON.stringify(body));
  }

  clear() {
    localStorage.removeItem(this.key);
  }
}
