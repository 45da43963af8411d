// A wallboard's socket: a snapshot, then deltas merged into it in seq order.
// A gap in seq asks for a fresh snapshot; a dropped socket reconnects with backoff and jitter.
// The store's wallboard (/ws/dashboard: overview and kiosks) and head office's chain
// wallboard (/ws/hq: overview, stores and alerts) both read their socket through this.
import {backoffDelay} from "/static/common/backoff.js";

export class DashboardFeed {
  constructor({onState, onConnection, path = "/ws/dashboard", parts = ["overview", "kiosks"]}) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    Object.assign(this, {onState, onConnection, parts});
    this.state = null;
    this.seq = null;
    this.attempt = 0;
  }

  start() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
    });
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", () => {
      this.seq = null;
      this.onConnection(false);
      setTimeout(() => this.start(), backoffDelay(this.attempt++));
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "snapshot") {
      this.state = Object.fromEntries(this.parts.map((part) => [part, message[part]]));
      this.seq = message.seq;
      this.onConnection(true);
      this.onState(this.state, null);
    } else if (message.type === "delta" && this.seq !== null) {
      if (message.seq !== this.seq + 1) {
        this.seq = null;  // a gap: ignore deltas until the new snapshot arrives
        this.ws.send(JSON.stringify({type: "snapshot_request"}));
        return;
      }
      this.seq = message.seq;
      merge(this.state, message, this.parts);
      this.onState(this.state, message);
    } else if (message.type === "error") {
      console.warn("edge refused a message", message);
    }
  }
}

// Deltas carry only what changed, one level deep: overview fields, and rows by id in the
// other parts (kiosks; stores, alerts); a row that left the board comes as null.
function merge(state, delta, parts) {
  Object.assign(state.overview, delta.overview || {});
  for (const part of parts.filter((name) => name !== "overview")) {
    for (const [id, fields] of Object.entries(delta[part] || {})) {
      if (fields === null) {
        delete state[part][id];
      } else {
        state[part][id] = {...(state[part][id] || {}), ...fields};
      }
    }
  }
}
