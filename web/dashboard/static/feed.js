// The wallboard's socket: a snapshot, then deltas merged into it in seq order.
// A gap in seq asks for a fresh snapshot; a dropped socket reconnects with backoff and jitter.
import {backoffDelay} from "/static/common/backoff.js";

export class DashboardFeed {
  constructor({onState, onConnection}) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/dashboard`;
    Object.assign(this, {onState, onConnection});
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
      this.state = {overview: message.overview, kiosks: message.kiosks};
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
      merge(this.state, message);
      this.onState(this.state, message);
    } else if (message.type === "error") {
      console.warn("edge refused a message", message);
    }
  }
}

// Deltas carry only what changed, one level deep: overview fields, and kiosk rows by id;
// a kiosk that left the board (revoked, retired) comes as null.
function merge(state, delta) {
  Object.assign(state.overview, delta.overview || {});
  for (const [kioskId, fields] of Object.entries(delta.kiosks || {})) {
    if (fields === null) {
      delete state.kiosks[kioskId];
    } else {
      state.kiosks[kioskId] = {...(state.kiosks[kioskId] || {}), ...fields};
    }
  }
}
