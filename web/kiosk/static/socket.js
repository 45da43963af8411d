// The kiosk's one persistent socket: heartbeat every 5 s, reconnect with backoff and jitter.
import {backoffDelay} from "/static/common/backoff.js";

const HEARTBEAT_MS = 5000;

export class EdgeSocket {
  constructor(kioskId, {linkUp, onAck, onProgress, onConnected, onCatalog}) {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}` +
               `/ws/kiosk?kiosk_id=${encodeURIComponent(kioskId)}`;
    Object.assign(this, {linkUp, onAck, onProgress, onConnected, onCatalog});
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
  }

  start() {
    this.ws = new WebSocket(this.url);
    this.ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onConnected(true);
      this.beat();
      this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    });
    this.ws.addEventListener("message", (event) => this.receive(event.data));
    this.ws.addEventListener("close", () => {
      clearInterval(this.timer);
      this.onConnected(false);
      setTimeout(() => this.start(), backoffDelay(this.attempt++));
    });
  }

  beat() {
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({type: "heartbeat", central_link_up: this.linkUp()}));
    }
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "ack") this.onAck(message);
    else if (message.type === "sync_progress") this.onProgress(message);
    // Another catalog is in use (head office's price list took effect): prices may differ.
    else if (message.type === "catalog") this.onCatalog(message);
    else if (message.type === "error") console.warn("edge refused a message", message);
  }
}
