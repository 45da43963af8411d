// The wallboard: socket state drawn as tiles and kiosk cards; the charts and the
// reconciliation read their own routes, on a timer and soon after the figures change.
import {renderKiosks} from "./kiosk_cards.js";
import {drawArea, drawBars} from "./charts.js";
import {DashboardFeed} from "./feed.js";
import {renderLive as showLive} from "./live.js";
import {renderReconciliation} from "./reconciliation.js";
import {renderTiles} from "./tiles.js";

const settings = {backlogAlertS: Number(document.body.dataset.backlogAlertS),
                  timeZone: document.body.dataset.storeTimezone || undefined};
const STALE_AFTER_S = 10;  // the feed looks every second: silence this long means trouble

let state = null;
let connected = false;
let lastUpdate = null;

async function getJson(path) {
  const response = await fetch(path, {credentials: "same-origin",
                                      headers: {Accept: "application/json"}});
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

// At most one read in flight per route and one per `everyMs` however busy the store; a call
// that comes too soon is not lost but runs once when the interval is over.
function throttled(read, everyMs) {
  let last = 0;
  let running = false;
  let queued = false;
  const run = async () => {
    if (running) {
      queued = true;
      return;
    }
    const wait = last + everyMs - Date.now();
    if (wait > 0) {
      if (!queued) {
        queued = true;
        setTimeout(() => { queued = false; run(); }, wait);
      }
      return;
    }
    running = true;
    last = Date.now();
    try {
      await read();
    } catch (error) {
      console.warn(error.message);
    } finally {
      running = false;
      if (queued) {
        queued = false;
        run();
      }
    }
  };
  return run;
}

let history = null;  // the last points read, drawn again when the screen changes size

function drawCharts() {
  if (history === null) return;
  drawBars(document.getElementById("chart-checkouts"), history, settings.timeZone);
  drawArea(document.getElementById("chart-pending"), history, settings.timeZone);
}

const refreshCharts = throttled(async () => {
  history = (await getJson("/dashboard/history?minutes=60")).points;
  drawCharts();
}, 2000);

const refreshReconciliation = throttled(async () => {
  renderReconciliation(await getJson("/dashboard/reconciliation"));
}, 3000);

function render() {
  if (state === null) return;
  renderTiles(state.overview, settings);
  renderKiosks(document.getElementById("kiosks"), state.kiosks, settings);
  document.getElementById("business-day").textContent = `Business day ${state.overview.business_day}`;
}

function renderLive() {
  showLive(document.getElementById("live"), {connected, lastUpdate, staleAfterS: STALE_AFTER_S});
}

const SALES_FIELDS = ["orders_total", "pending_count", "synced_count", "central_order_count"];

const feed = new DashboardFeed({
  onState(newState, delta) {
    state = newState;
    lastUpdate = Date.now();
    render();
    renderLive();
    if (delta === null || SALES_FIELDS.some((field) => field in (delta.overview || {}))) {
      refreshCharts();
      refreshReconciliation();
    }
  },
  onConnection(up) {
    connected = up;
    renderLive();
  },
});

feed.start();
setInterval(() => {
  render();  // ages ("12 s ago") move on between updates
  renderLive();
}, 1000);
setInterval(refreshCharts, 15000);
addEventListener("resize", drawCharts);
setInterval(refreshReconciliation, 15000);
