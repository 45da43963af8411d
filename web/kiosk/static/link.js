// Is head office reachable? The page asks the configured health URL every 5 s: by default the
// edge's own /health, whose `central` says whether the edge reaches head office ("ok") or not
// ("unreachable"); any other URL counts as reachable when it answers 2xx.
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
      const body = resp.ok ? await resp.json().catch(() => ({})) : {};
      up = resp.ok && (body.central === undefined || body.central === "ok");
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
