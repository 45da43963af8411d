// The kiosk app: wires the catalog, the cart, paying and the status bar to the edge.
import {announce} from "./announce.js";
import {api, ApiError} from "./api.js";
import {backoffDelay, sleep} from "/static/common/backoff.js";
import {Cart, InFlight} from "./cart.js";
import {el} from "./dom.js";
import {renderCart as drawCart} from "./cart_view.js";
import {closeModal, openModal} from "./focus.js";
import {resetAccessModes, setupAccessModes} from "./access.js";
import {categoryName, currentLanguage, errorText, sek, setLanguage, t} from "./i18n.js";
import {CentralProbe} from "./link.js";
import {afterOutage, keepTrying, registerServiceWorker} from "./offline.js";
import {EdgeSocket} from "./socket.js";
import {takePayment} from "./payment.js";
import {markSync, showReceipt} from "./receipt.js";
import {setupScanner} from "./scanner.js";
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

function say(text) {
  $("cart-message").textContent = text || "";
  if (text) announce(text);
}

// What the shopper must not miss (a code not known, a label refused): a large notice in the
// cart until they dismiss it or the next item is added.
function notify(...paragraphs) {
  $("notice-text").replaceChildren(...paragraphs.map((text) => el("p", text)));
  $("notice").hidden = paragraphs.length === 0;
  if (paragraphs.length) announce(paragraphs.join(" "));
}

// Status bar
const probe = new CentralProbe(config.centralHealthUrl, () => renderStatus());
// The edge is back after an outage, or another catalog is in use: the catalog at current
// prices, the kept cart priced anew.
const reprice = () => { keepTrying(loadCatalog); changeCart(cart.lines); };
const edgeBack = afterOutage(reprice);
const socket = new EdgeSocket(kioskId, {
  linkUp: () => probe.up, onCatalog: reprice,
  onConnected: (up) => { renderStatus(); edgeBack(up); },
  onAck: (ack) => {
    state.linkForcedDown = ack.link_forced_down;
    state.pending = ack.pending_count;
    renderStatus();
  },
  onProgress: (progress) => {
    state.pending = progress.pending_count;
    renderStatus();
    if (progress.pending_count === 0 && state.lastOrder) markSync("synced");
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
  renderCategories();
  renderProducts();
}

function renderCategories() {
  const categories = [...new Set(state.catalog.map((p) => p.category))];
  $("categories").replaceChildren(...categories.map((category) => {
    const button = el("button", categoryName(category), "chip");
    button.type = "button";
    button.dataset.category = category;
    button.onclick = () => {
      state.category = state.category === category ? null : category;
      renderProducts();
    };
    return button;
  }));
}

function renderProducts() {
  const query = $("search").value.trim().toLowerCase();
  for (const chip of $("categories").children) {
    const active = chip.dataset.category === state.category;
    chip.classList.toggle("active", active);
    chip.setAttribute("aria-pressed", String(active));  // a toggle, said as one
  }
  const shown = state.catalog.filter((p) =>
    (!state.category || p.category === state.category) &&
    (!query || p.name.toLowerCase().includes(query) || p.sku.startsWith(query)));
  $("products").replaceChildren(...shown.map((product) => {
    const tile = el("button", undefined, "product");
    tile.type = "button";
    tile.dataset.sku = product.sku;
    tile.append(el("span", product.name, "name"));
    const price = product.sold_by === "kg" ? t("kg_price", sek(product.price_ore)) : sek(product.price_ore);
    const footer = el("span", undefined, "footer");  // the age badge beside the price, never over the name
    footer.append(el("span", price, "price"));
    if (product.age_limit) footer.append(el("span", `${product.age_limit}+`, "age"));
    tile.append(footer);
    tile.disabled = product.sold_by === "kg";  // weighed goods: scan the scale's label
    tile.onclick = () => addItem(product.sku);
    return tile;
  }));
}

// What a screen reader hears after the shopper changed a line: the item, and the new total.
function changeSaid(quote, {sku, delta, name}) {
  const total = sek(quote ? quote.total_ore : 0);
  const item = quote?.items.find((i) => i.sku === sku);
  if (!item) return t("removed", name, total);
  return t(delta > 0 ? "added" : "fewer", item.name, item.qty, total);
}

// Cart: every change is priced by the edge before it is kept; `code` is what was just added,
// `change` ({sku, delta, name}) what the shopper did, to be said aloud once it is priced.
async function changeCart(lines, code, change) {
  if (lines.length === 0) {
    cart.clear();
    state.quote = null;
    renderCart();
    if (change) announce(changeSaid(null, change));
    return;
  }
  try {
    const {data} = await api("/edge/quote", {method: "POST", body: {items: lines}});
    cart.replace(lines);
    state.quote = data;
    say("");
    notify();
    if (change) announce(changeSaid(data, change));
  } catch (error) {
    const reason = error instanceof ApiError ? error.code : "http_error";  // no answer at all
    if (reason === "unknown_sku" && code) notify(t("unknown_code", code), t("call_staff"));
    else if (reason === "implausible_label") notify(errorText(reason));
    else say(errorText(reason));
  }
  renderCart();
}

const addItem = (sku, entry = "scanned") =>
  changeCart(cart.with(sku, 1, entry), sku, {sku, delta: 1});
const changeLine = (sku, delta, item) =>
  changeCart(cart.with(sku, delta), undefined, {sku, delta, name: item.name});

// What staff must approve before any money moves: an ID check, scale labels to look at.
function staffCheckText(ageLimit, labelChecks) {
  const parts = [];
  if (ageLimit) parts.push(t("age_text", ageLimit));
  if (labelChecks?.length) parts.push(t("label_text", labelChecks.length));
  return parts.join(" ");
}

function renderCart() {
  drawCart(state.quote, changeLine);
}

// Paying, then the durable checkout
async function pay() {
  const quote = state.quote;
  if (!quote) return;
  let staffPin;
  if (quote.age_limit || quote.label_checks?.length) {  // staff look, PIN checked, before money
    staffPin = await askPin(t("staff_check_title"),
                            staffCheckText(quote.age_limit, quote.label_checks), "staff_approval");
    if (staffPin === null) return;
  }
  const result = await takePayment(terminal, quote.total_ore);
  if (!result) return;  // cancelled: the cart is as it was
  if (!result.approved) return say(t("declined"));
  inflight.set({
    idempotency_key: crypto.randomUUID(),
    items: cart.lines,
    payment: {method: result.method, reference: result.reference},
    expected_total_ore: quote.total_ore,
    ...(staffPin ? {staff_pin: staffPin} : {}),
  });
  await submitInFlight();
}

async function submitInFlight() {
  const dialog = $("saving-dialog");
  for (let attempt = 1; inflight.get(); attempt++) {
    openModal(dialog);
    $("saving-text").textContent = attempt > 1 ? t("saving_retry", attempt) : "";
    try {
      const {data} = await api("/edge/checkout", {method: "POST", body: inflight.get()});
      inflight.clear();
      closeModal(dialog);
      return finishSale(data);
    } catch (error) {
      const needsStaff = ["age_check_required", "label_check_required", "wrong_staff_pin"];
      if (error instanceof ApiError && needsStaff.includes(error.code)) {
        closeModal(dialog);  // a mistyped PIN: staff try again, the payment stands meanwhile
        const text = staffCheckText(error.details.age_limit ?? state.quote?.age_limit,
                                    error.details.label_checks ?? state.quote?.label_checks);
        const pin = await askPin(t("staff_check_title"), `${errorText(error.code)} ${text}`,
                                 "staff_approval");
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
        closeModal(dialog);
        say(errorText(error.code));
        return changeCart(cart.lines);
      }
      await sleep(backoffDelay(attempt));  // no answer: retry the same key
    }
  }
}

async function finishSale(order) {
  state.lastOrder = order;
  cart.clear();
  state.quote = null;
  renderCart();
  const store = {name: config.storeName, timeZone: config.storeTimezone};
  await showReceipt(order, store, Number(config.receiptTimeoutS));
  resetForNextShopper();
}

// The next shopper meets the kiosk as the first one did: Swedish, no search, no last receipt.
function resetForNextShopper() {
  state.lastOrder = null;
  state.category = null;
  $("search").value = "";
  notify();
  say("");
  switchLanguage("sv");
  resetAccessModes();
}

function switchLanguage(lang) {
  setLanguage(lang);
  $("language").textContent = lang === "sv" ? "English" : "Svenska";
  $("language").lang = lang === "sv" ? "en" : "sv";  // the button's word is in the other one
  renderStatus();
  renderCategories();
  renderProducts();
  renderCart();
}

function start() {
  registerServiceWorker();  // then a reload without the edge still shows this page
  setLanguage("sv");
  $("language").onclick = () => switchLanguage(currentLanguage() === "sv" ? "en" : "sv");
  setupAccessModes();
  $("notice-dismiss").onclick = () => notify();
  $("saving-dialog").oncancel = (event) => event.preventDefault();  // Escape cannot hide a sale
  $("search").oninput = renderProducts;
  $("pay").onclick = pay;
  setupScanner({onCode: addItem, onWrongLength: (n) => notify(t("wrong_length", n))});
  setupStaffPanel({kioskId, onChange: (forced) => {
    state.linkForcedDown = forced;
    renderStatus();
  }});
  setupIdleTimer({
    timeoutS: Number(config.idleTimeoutS), warningS: Number(config.idleWarningS),
    abandonable: () => !inflight.get() && cart.lines.length > 0,
    clear: () => changeCart([]).then(resetForNextShopper),
  });
  probe.start();
  socket.start();
  renderStatus();
  keepTrying(loadCatalog);  // from the worker's copy while the edge is down, else again
  changeCart(cart.lines);
  if (inflight.get()) submitInFlight();  // a reload mid-checkout carries on with the same key
}

start();
