// The chain wallboard: the /ws/hq socket's state drawn as tiles, alerts and every store's
// cell; the filter, sort and search are this screen's own and redraw at once.
import {DashboardFeed} from "/static/dashboard/feed.js";
import {renderLive as showLive} from "/static/dashboard/live.js";
import {renderAlerts, renderTiles} from "./board_tiles.js";
import {renderStores} from "./store_grid.js";

const settings = {backlogAlertS: Number(document.body.dataset.backlogAlertS),
                  timeZone: document.body.dataset.timezone || undefined};
const STALE_AFTER_S = 15;  // the board is looked at every few seconds: this long means trouble
const controls = {
  attention: document.getElementById("attention-only"),
  sort: document.getElementById("sort"),
  search: document.getElementById("search"),
};

let state = null;
let connected = false;
let lastUpdate = null;

function renderGrid() {
  if (state === null) return;
  const {shown, total} = renderStores(document.getElementById("groups"), state.stores, {
    attentionOnly: controls.attention.checked, sort: controls.sort.value,
    search: controls.search.value, timeZone: settings.timeZone});
  document.getElementById("shown").textContent = shown === total
    ? `${total} stores` : `${shown} of ${total} stores shown`;
}

function render(delta) {
  if (state === null) return;
  renderTiles(state.overview, settings);
  if (delta === null || Object.keys(delta.alerts || {}).length) {
    renderAlerts(document.getElementById("alerts"), state.alerts,
                 {timeZone: settings.timeZone, countElement: document.getElementById("alert-count")});
  }
  if (delta === null || Object.keys(delta.stores || {}).length) renderGrid();
  document.getElementById("business-day").textContent =
    `Business day ${state.overview.business_day}`;
}

function renderLive() {
  showLive(document.getElementById("live"), {connected, lastUpdate, staleAfterS: STALE_AFTER_S});
}

const feed = new DashboardFeed({
  path: "/ws/hq",
  parts: ["overview", "stores", "alerts"],
  onState(newState, delta) {
    state = newState;
    lastUpdate = Date.now();
    render(delta);
    renderLive();
  },
  onConnection(up) {
    connected = up;
    renderLive();
  },
});

document.getElementById("controls").addEventListener("submit", (event) => event.preventDefault());
for (const control of Object.values(controls)) control.addEventListener("input", renderGrid);
feed.start();
setInterval(() => {
  if (state !== null) renderTiles(state.overview, settings);  // the oldest sale ages
  renderLive();
}, 1000);
