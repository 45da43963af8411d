"""The HTTP layer both services share: serving options, the JSON error envelope, hardening
headers, body and query validation, who may call what, browser sign-in, /docs."""
