// A store's page: its JSON (/hq/v1/stores/{id}/board) drawn as its word, its kiosks, its
// backlog chart and its reconciliation; read again when the /ws/hq socket says the store or
// the alerts changed, and every 15 s.
import {drawArea} from "/static/dashboard/charts.js";
import {DashboardFeed} from "/static/dashboard/feed.js";
import {formatCount, formatKronor, formatSince} from "/static/dashboard/format.js";
import {renderAlerts} from "./board_tiles.js";
import {STATUS_WORDS, describe} from "./words.js";

const storeId = document.body.dataset.storeId;
const timeZone = document.body.dataset.timezone || undefined;
const LINK_WORDS = {up: "link up", down: "link down", forced: "link forced down (drill)",
                    unknown: "link unknown (offline)"};
let page = null;
let reading = false;

function row(cells, attributes = {}) {
  const tr = document.createElement("tr");
  Object.assign(tr.dataset, attributes);
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

const pair = (side) => `${formatCount(side.orders)} · ${formatKronor(side.total_ore)}`;

function render() {
  const status = document.getElementById("store-status");
  status.dataset.status = page.row.status;
  status.textContent = STATUS_WORDS[page.row.status];
  document.getElementById("summary").textContent = `${describe(page.row, timeZone)} · last report ` +
    `${formatSince(page.row.last_report_at)} · software ${page.row.software_version ?? "—"}`;
  renderAlerts(document.getElementById("alerts"), Object.fromEntries(
    page.alerts.map((alert) => [alert.id, alert])), {timeZone});
  document.getElementById("kiosks").replaceChildren(...page.kiosks.map((k) => row([
    k.kiosk_id, k.online ? "online" : "offline", LINK_WORDS[k.link] ?? k.link,
    formatSince(k.last_heartbeat), formatCount(k.pending), formatSince(k.last_checkout)],
  {kioskId: k.kiosk_id, online: k.online ? "yes" : "no"})));
  document.getElementById("reconciliation").replaceChildren(...page.reconciliation.map((r) => row([
    r.kiosk_id, r.business_day, pair(r.store),
    pair({orders: r.store.synced_orders, total_ore: r.store.synced_total_ore}), pair(r.hq),
    r.words], {kioskId: r.kiosk_id, verdict: r.verdict})));
  drawChart();
}

function drawChart() {
  if (page === null) return;
  drawArea(document.getElementById("chart-backlog"),
           page.backlog.map((p) => ({minute: p.at, pending: p.pending})), timeZone);
}

async function read() {
  if (reading) return;
  reading = true;
  try {
    const response = await fetch(`/hq/v1/stores/${encodeURIComponent(storeId)}/board`,
                                 {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!response.ok) throw new Error(`the store's page answered ${response.status}`);
    page = await response.json();
    render();
  } catch (error) {
    console.warn(error.message);
  } finally {
    reading = false;
  }
}

function setLive(up) {
  const live = document.getElementById("live");
  live.dataset.state = up ? "live" : "reconnecting";
  live.textContent = up ? "● Live" : "Disconnected — reconnecting…";
}

const feed = new DashboardFeed({
  path: "/ws/hq",
  parts: ["overview", "stores", "alerts"],
  onState(state, delta) {
    if (delta === null || (delta.stores || {})[storeId] || Object.keys(delta.alerts || {}).length) {
      read();
    }
  },
  onConnection: setLive,
});

feed.start();
setInterval(read, 15000);
addEventListener("resize", drawChart);
