// Signs this browser in with the token in the link's fragment (never sent to any server
// by the browser itself), then goes on to the page the link names, if it is on this site.

// `next` as a path on this site, or "/". It is resolved as the browser would navigate to it,
// so "/\\evil.example/" and "/<tab>/evil.example" (which browsers read as "//evil.example")
// are seen as the other sites they are.
function sameSitePath(next) {
  try {
    const url = new URL(next, location.origin);
    if (url.origin === location.origin) return url.pathname + url.search + url.hash;
  } catch (error) {
    // not a URL at all: go home
  }
  return "/";
}

(async () => {
  const status = document.getElementById("status");
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  const next = params.get("next") || "/";
  history.replaceState(null, "", location.pathname);  // keep the token out of history
  const failed = (message) => {
    status.textContent = message;
    document.querySelector("main").classList.add("failed");
    document.getElementById("next-step").hidden = false;
  };
  if (!token) {
    failed("This sign-in link has no token.");
    return;
  }
  const resp = await fetch("/auth/session", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({token}),
  });
  if (resp.ok) {
    location.replace(sameSitePath(next));
  } else {
    const body = await resp.json().catch(() => ({}));
    const why = (body.error && body.error.message) || `the store answered ${resp.status}`;
    failed(`This sign-in link does not work: ${why}.`);
  }
})();
