// Exponential backoff with full jitter: many kiosks or wallboards coming back at once do not stampede.
export function backoffDelay(attempt, baseMs = 500, capMs = 15000) {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
