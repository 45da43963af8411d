// Signs this browser in with the token in the link's fragment (never sent to any server
// by the browser itself), then goes on to the page the link names.
(async () => {
  const status = document.getElementById("status");
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  const next = params.get("next") || "/";
  history.replaceState(null, "", location.pathname);  // keep the token out of history
  if (!token) {
    status.textContent = "This sign-in link has no token. Ask an operator for a new one.";
    return;
  }
  const resp = await fetch("/auth/session", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({token}),
  });
  if (resp.ok) {
    location.replace(next.startsWith("/") && !next.startsWith("//") ? next : "/");
  } else {
    const body = await resp.json().catch(() => ({}));
    status.textContent = (body.error && body.error.message) || "Sign-in failed.";
  }
})();
