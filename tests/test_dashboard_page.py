"""GET /dashboard: the wallboard for dashboard and operator sign-ins, a sign-in page otherwise."""


async def _page(client, who=None):
    headers = {"Authorization": f"Bearer {await client.token(who)}"} if who else {}
    response = await client.raw.get("/dashboard", headers=headers)
    return response.status, response.headers["Content-Type"], await response.text()


async def test_the_wallboard_is_for_dashboards_and_operators(client):
    for who in ("dashboard", "operator"):
        status, kind, html = await _page(client, who)
        assert (status, kind) == (200, "text/html; charset=utf-8"), who
        assert 'data-backlog-alert-s="300"' in html
        assert '<script type="module" src="/static/dashboard/wallboard.js">' in html


async def test_others_get_a_page_saying_how_to_sign_in(client):
    status, kind, html = await _page(client)
    assert (status, kind) == (401, "text/html; charset=utf-8")
    assert "not signed in" in html and "token --role dashboard" in html
    status, _, html = await _page(client, "k1")
    assert status == 403
    assert "which may not watch the" in html and "wallboard.js" not in html


async def test_its_scripts_are_served_and_a_missing_one_is_a_json_404(client):
    for name in ("wallboard.js", "feed.js", "charts.js", "wallboard.css"):
        assert (await client.raw.get(f"/static/dashboard/{name}")).status == 200, name
    response = await client.raw.get("/static/common/backoff.js")
    assert response.status == 200
    missing = await client.raw.get("/static/dashboard/nope.js")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
