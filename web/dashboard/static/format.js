// How the wallboard writes numbers, money and ages: large, plain, in the store's locale.
const LOCALE = "sv-SE";
const count = new Intl.NumberFormat(LOCALE);
const kronor = new Intl.NumberFormat(LOCALE, {style: "currency", currency: "SEK",
                                              maximumFractionDigits: 0});

export const formatCount = (n) => (n === null || n === undefined ? "—" : count.format(n));

// Money is integer öre everywhere; the wall shows whole kronor.
export const formatKronor = (ore) => (ore === null || ore === undefined
  ? "—" : kronor.format(Math.round(ore / 100)));

export function formatAge(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  return `${hours} h ${Math.floor((seconds % 3600) / 60)} min`;
}

// "12 s ago" from an ISO time, against this screen's clock; "never" for null.
export function formatSince(iso, now = Date.now()) {
  if (!iso) return "never";
  return `${formatAge((now - Date.parse(iso)) / 1000)} ago`;
}

export function formatClock(iso, timeZone) {
  return new Date(iso).toLocaleTimeString(LOCALE, {hour: "2-digit", minute: "2-digit", timeZone});
}
