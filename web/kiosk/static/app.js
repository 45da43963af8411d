// The kiosk app: wires the catalog, the cart, paying and the status bar to the edge.
import {api, ApiError} from "./api.js";
import {backoffDelay, sleep} from "/static/common/backoff.js";
import {Cart, InFlight} from "./cart.js";
import {setLanguage, currentLanguage, sek, t} from "./i18n.js";
import {CentralProbe} from "./link.js";
import {EdgeSocket} from "./socket.js";
import {SimulatedTerminal} from "./terminal.js";
import {askPin, setupStaffPanel} from "./staff.js";
import {setupIdleTimer} from "./idle.js";

const $ = (id) => document.getElementById(id);
const config = document.body.dataset;
const kioskId = config.kioskId;
const cart = new Cart(kioskId);
const inflight = new InFlight(kioskId);
const terminal = new SimulatedTerminal($("payment-dialog"));
const state = {quote: null, linkForcedDown: false, lastOrder: null, catalog: [], category: null};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function say(text) {
  $("cart-message").textContent = text || "";
}

// Status bar
const probe = new CentralProbe(config.centralHealthUrl, () => renderStatus());
const socket = new EdgeSocket(kioskId, {
  linkUp: () => probe.up,
  onConnected: () => renderStatus(),
  onAck: (ack) => {
    state.linkForcedDown = ack.link_forced_down;
    state.pending = ack.pending_count;
    renderStatus();
  },
  onProgress: (progress) => {
    state.pending = progress.pending_count;
    renderStatus();
    if (progress.pending_count === 0 && state.lastOrder) markReceiptSynced();
  },
});

function renderStatus() {
  const edgeUp = socket.ws?.readyState === WebSocket.OPEN;
  $("edge-state").dataset.state = edgeUp ? "up" : "down";
  $("edge-state").textContent = t(edgeUp ? "edge_up" : "edge_down");
  const link = state.linkForcedDown ? "forced" : probe.up ? "up" : "down";
  $("link-state").dataset.state = link;
  $("link-state").textContent = t({forced: "link_forced", up: "link_up", down: "link_down"}[link]);
  $("pending-state").textContent = state.pending ? t("pending", state.pending) : "";
  $("pending-state").hidden = !state.pending;
}

// Catalog
async function loadCatalog() {
  const {data} = await api("/catalog");
  state.catalog = data.items;
  const categories = [...new Set(data.items.map((p) => p.category))];
  const nav = $("categories");
  nav.replaceChildren(...categories.map((category) => {
    const button = el("button", category, "chip");
    button.type = "button";
    button.onclick = () => {
      state.category = state.category === category ? null : category;
      renderProducts();
    };
    return button;
  }));
  renderProducts();
}

function renderProducts() {
  const query = $("search").value.trim().toLowerCase();
  for (const chip of $("categories").children) {
    chip.classList.toggle("active", chip.textContent === state.category);
  }
  const shown = state.catalog.filter((p) =>
    (!state.category || p.category === state.category) &&
    (!query || p.name.toLowerCase().includes(query) || p.sku.startsWith(query)));
  $("products").replaceChildren(...shown.map((product) => {
    const tile = el("button", undefined, "product");
    tile.type = "button";
    tile.dataset.sku = product.sku;
    tile.append(el("span", product.name, "name"));
    const price = product.sold_by === "kg" ? `${sek(product.price_ore)}/kg` : sek(product.price_ore);
    tile.append(el("span", price, "price"));
    if (product.age_limit) tile.append(el("span", `${product.age_limit}+`, "age"));
    tile.disabled = product.sold_by === "kg";  // weighed goods: scan the scale's label
    tile.onclick = () => addItem(product.sku);
    return tile;
  }));
}

// Cart: every change is priced by the edge before it is kept
async function changeCart(lines) {
  if (lines.length === 0) {
    cart.clear();
    state.quote = null;
    renderCart();
    return;
  }
  try {
    const {data} = await api("/edge/quote", {method: "POST", body: {items: lines}});
    cart.replace(lines);
    state.quote = data;
    say("");
  } catch (error) {
    const known = ["unknown_sku", "implausible_label"];
    say(error instanceof ApiError && known.includes(error.code) ? t(error.code) : t("error"));
  }
  renderCart();
}

const addItem = (sku, entry = "scanned") => changeCart(cart.with(sku, 1, entry));

// What staff must approve before any money moves: an ID check, scale labels to look at.
function staffCheckText(ageLimit, labelChecks) {
  const parts = [];
  if (ageLimit) parts.push(t("age_text", ageLimit));
  if (labelChecks?.length) parts.push(t("label_text", labelChecks.length));
  return parts.join(" ");
}

function renderCart() {
  const quote = state.quote;
  const items = quote ? quote.items : [];
  $("scan-hint").hidden = items.length > 0;
  $("lines").replaceChildren(...items.map((item) => {
    const row = el("li", undefined, "line");
    row.dataset.sku = item.sku;
    const label = item.measure?.grams ? `${item.name} · ${item.measure.grams} g` : item.name;
    row.append(el("span", label, "name"));
    const minus = el("button", "−", "qty");
    const plus = el("button", "+", "qty");
    const remove = el("button", "✕", "remove");
    remove.setAttribute("aria-label", t("remove"));
    minus.onclick = () => changeCart(cart.with(item.sku, -1));
    plus.onclick = () => changeCart(cart.with(item.sku, 1));
    remove.onclick = () => changeCart(cart.with(item.sku, -item.qty));
    row.append(minus, el("span", String(item.qty), "count"), plus,
               el("span", sek(item.line_total_ore), "amount"), remove);
    return row;
  }));
  renderVat($("vat"), quote ? quote.vat : []);
  $("total").textContent = sek(quote ? quote.total_ore : 0);
  $("pay").disabled = items.length === 0;
}

function renderVat(target, vat) {
  target.replaceChildren(...vat.map((v) => el("div", `${t("vat", v.rate)}: ${sek(v.amount_ore)}`)));
}

// Paying, then the durable checkout
async function pay() {
  const quote = state.quote;
  if (!quote) return;
  let staffPin;
  if (quote.age_limit || quote.label_checks?.length) {  // staff look before money moves
    staffPin = await askPin(t("staff_check_title"),
                            staffCheckText(quote.age_limit, quote.label_checks));
    if (staffPin === null) return;
  }
  const dialog = $("payment-dialog");
  dialog.showModal();
  const method = await new Promise((resolve) => {
    for (const button of dialog.querySelectorAll("[data-method]")) {
      button.onclick = () => resolve(button.dataset.method);
    }
    $("payment-cancel").onclick = () => resolve(null);
  });
  if (!method) return dialog.close();
  const result = await terminal.pay(method, quote.total_ore, t("present", sek(quote.total_ore)));
  dialog.close();
  if (!result.approved) return say(t("declined"));
  inflight.set({
    idempotency_key: crypto.randomUUID(),
    items: cart.lines,
    payment: {method, reference: result.reference},
    expected_total_ore: quote.total_ore,
    ...(staffPin ? {staff_pin: staffPin} : {}),
  });
  await submitInFlight();
}

async function submitInFlight() {
  const dialog = $("saving-dialog");
  for (let attempt = 1; inflight.get(); attempt++) {
    if (!dialog.open) dialog.showModal();
    $("saving-text").textContent = attempt > 1 ? t("saving_retry", attempt) : "";
    try {
      const {data} = await api("/edge/checkout", {method: "POST", body: inflight.get()});
      inflight.clear();
      dialog.close();
      return showReceipt(data);
    } catch (error) {
      const needsStaff = ["age_check_required", "label_check_required", "wrong_staff_pin"];
      if (error instanceof ApiError && needsStaff.includes(error.code)) {
        dialog.close();  // a mistyped PIN: staff try again, the payment stands meanwhile
        const text = staffCheckText(error.details.age_limit ?? state.quote?.age_limit,
                                    error.details.label_checks ?? state.quote?.label_checks);
        const pin = await askPin(t("staff_check_title"), `${t("wrong_pin")} ${text}`);
        if (pin !== null) {
          inflight.set({...inflight.get(), staff_pin: pin});
          continue;
        }
      }
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 &&
          error.status !== 429 && error.status !== 408) {
        const refused = inflight.get();  // refused for good: nothing was recorded
        inflight.clear();
        await terminal.void(refused.payment.reference);  // so the shopper gets the money back
        dialog.close();
        say(error.code === "price_changed" ? t("price_changed") : error.message);
        return changeCart(cart.lines);
      }
      await sleep(backoffDelay(attempt));  // no answer: retry the same key
    }
  }
}

function showReceipt(order) {
  state.lastOrder = order;
  $("receipt-id").textContent = order.order_uuid;
  $("receipt-lines").replaceChildren(...order.items.map((item) => {
    const row = el("li", undefined, "line");
    row.append(el("span", `${item.qty} × ${item.name}`, "name"),
               el("span", sek(item.line_total_ore), "amount"));
    return row;
  }));
  renderVat($("receipt-vat"), order.vat);
  $("receipt-total").textContent = sek(order.total_ore);
  const sync = $("receipt-sync");
  sync.dataset.state = order.sync_state;
  sync.textContent = t(order.sync_state === "synced" ? "synced" : "waiting");
  cart.clear();
  state.quote = null;
  renderCart();
  $("receipt-dialog").showModal();
}

function markReceiptSynced() {
  const sync = $("receipt-sync");
  sync.dataset.state = "synced";
  sync.textContent = t("synced");
}

// Keyboard-wedge scanners type digits then Enter, anywhere on the page.
function setupScanner() {
  let buffer = "";
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement;
    if (typing || document.querySelector("dialog[open]")) return;
    if (/^[0-9]$/.test(event.key)) buffer += event.key;
    else if (event.key === "Enter" && buffer.length >= 8) {
      addItem(buffer);
      buffer = "";
    } else buffer = "";
  });
  $("ean-form").onsubmit = (event) => {
    event.preventDefault();
    const code = $("ean").value.trim();
    if (/^[0-9]{13}$/.test(code)) addItem(code, "keyed");
    $("ean").value = "";
  };
}

function start() {
  setLanguage("sv");
  $("language").onclick = () => {
    setLanguage(currentLanguage() === "sv" ? "en" : "sv");
    $("language").textContent = currentLanguage() === "sv" ? "English" : "Svenska";
    renderStatus();
    renderCart();
  };
  $("search").oninput = renderProducts;
  $("pay").onclick = pay;
  $("receipt-done").onclick = () => $("receipt-dialog").close();
  setupScanner();
  setupStaffPanel({kioskId, onChange: (forced) => {
    state.linkForcedDown = forced;
    renderStatus();
  }});
  setupIdleTimer({
    timeoutS: Number(config.idleTimeoutS), warningS: Number(config.idleWarningS),
    abandonable: () => !inflight.get() && cart.lines.length > 0,
    clear: () => changeCart([]),
  });
  probe.start();
  socket.start();
  renderStatus();
  loadCatalog();
  changeCart(cart.lines);
  if (inflight.get()) submitInFlight();  // a reload mid-checkout carries on with the same key
}

start();
