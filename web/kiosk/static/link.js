// Is head office reachable? The page probes the configured health URL every 5 s.
const PROBE_MS = 5000;
const TIMEOUT_MS = 3000;

export class CentralProbe {
  constructor(url, onChange) {
    this.url = url;
    this.onChange = onChange;
    this.up = false;
  }

  start() {
    this.probe();
    setInterval(() => this.probe(), PROBE_MS);
  }

  async probe() {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let up = false;
    try {
      const resp = await fetch(this.url, {cache: "no-store", signal: controller.signal});
      up = resp.ok;
    } catch {
      up = false;
    } finally {
      clearTimeout(timer);
    }
    if (up !== this.up) {
      this.up = up;
      this.onChange(up);
    }
  }
}
