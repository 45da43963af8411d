"""The wallboard's fleet in real Chromium against a real edge: every enrolled kiosk has a card,
a revoked one's card goes, 40 kiosks fit one 1920×1080 screen unclipped, the charts have a
time axis and a value scale, and the link tile counts the cards that say "link down"."""
import json
import urllib.request

import pytest
from playwright.async_api import expect

from tests.browser.test_dashboard_page import checkout, heartbeat, open_wallboard


def call(edge, path: str, body: dict, token: str) -> dict:
    """POST a JSON body with a bearer token; the JSON answer (an HTTP error raises)."""
    request = urllib.request.Request(
        f"{edge.url}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


def enrol(edge, kiosk_id: str) -> str:
    """Enrol a kiosk as the store's operator would; its token."""
    return call(edge, f"/admin/kiosks/{kiosk_id}/enrol", {}, edge.token("operator"))["token"]


async def test_enrolled_kiosks_never_heard_from_have_cards_and_count(browser, edge):
    heartbeat(edge, link_up=True)  # kiosk-1 only: kiosk-2 and kiosk-3 never started
    page = await open_wallboard(browser, edge)
    await expect(page.locator(".kiosk")).to_have_count(3)
    tile = page.locator('[data-tile="kiosks_online"]')
    await expect(tile.locator(".value")).to_have_text("1 / 3")
    await expect(tile.locator(".note")).to_have_text("ALERT: 2 offline")
    never = page.locator('[data-kiosk-id="kiosk-2"]')
    await expect(never).to_have_attribute("data-online", "no")
    await expect(never.locator(".alert")).to_have_text("ALERT · Offline: never seen")
    await expect(never.locator(".link")).to_have_text("Link unknown (offline)")


async def test_a_revoked_kiosk_leaves_the_board_live(browser, edge):
    heartbeat(edge, link_up=True, kiosk="kiosk-2")
    page = await open_wallboard(browser, edge)
    card = page.locator('[data-kiosk-id="kiosk-2"]')
    await expect(card).to_have_attribute("data-online", "yes")
    revoked = call(edge, "/admin/kiosks/kiosk-2/revoke", {}, edge.token("operator"))
    assert revoked == {"revoked": 1}
    await expect(card).to_have_count(0, timeout=3000)  # by the delta: no reload
    await expect(page.locator(".kiosk")).to_have_count(2)
    await expect(page.locator('[data-tile="kiosks_online"] .value')).to_have_text("0 / 2")


# Everything that would be cut off or spill: a card outside the screen or its grid, a line
# wider than its box, a card whose lines do not fit it, a page that needs scrolling.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 &&
                             r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const grid = document.getElementById("kiosks").parentElement.getBoundingClientRect();
  for (const card of document.querySelectorAll(".kiosk")) {
    const id = card.dataset.kioskId, box = card.getBoundingClientRect();
    if (!inside(box, screen) || !inside(box, grid)) problems.push(`${id} not on screen`);
    if (card.scrollHeight > card.clientHeight) problems.push(`${id}: lines cut off`);
    for (const line of card.children) {
      if (!line.textContent || getComputedStyle(line).display === "none") continue;
      const part = `${id} .${line.className}`;
      if (line.scrollWidth > line.clientWidth) problems.push(`${part} clipped`);
      if (!inside(line.getBoundingClientRect(), box)) problems.push(`${part} spills`);
    }
  }
  for (const value of document.querySelectorAll(".tile .value, .tile h2")) {
    if (value.scrollWidth > value.clientWidth) problems.push(`tile "${value.textContent}" clipped`);
  }
  const page = document.documentElement;
  if (page.scrollHeight > innerHeight || page.scrollWidth > innerWidth) problems.push("scrolls");
  return problems;
}"""


async def test_forty_kiosks_fit_one_screen_with_nothing_cut_off(browser, edge):
    for number in range(4, 41):
        token = enrol(edge, f"kiosk-{number}")
        if number % 4:  # three in four are running; the rest never started
            call(edge, "/edge/heartbeat", {"central_link_up": number % 3 != 0}, token)
    heartbeat(edge, link_up=False, kiosk="kiosk-1")
    checkout(edge, "kiosk-1")  # a sale waiting behind a link down: the longest lines
    page = await open_wallboard(browser, edge)
    cards = page.locator(".kiosk")
    await expect(cards).to_have_count(40)
    await expect(page.locator('[data-tile="kiosks_online"] .value')).to_have_text("28 / 40")
    await expect(page.locator('[data-kiosk-id="kiosk-40"] .alert')).to_have_text(
        "ALERT · Offline: never seen")
    assert await page.evaluate(LAYOUT_PROBLEMS) == []
    names = await page.locator(".kiosk .name").all_text_contents()
    assert sorted(names) == sorted(f"kiosk-{n}" for n in range(1, 41))


async def test_the_charts_have_a_time_axis_and_a_value_scale(browser, edge):
    heartbeat(edge, link_up=False)
    for _ in range(7):
        checkout(edge)
    page = await open_wallboard(browser, edge)
    bars = page.locator("#chart-checkouts")
    await expect(bars).to_have_attribute("data-total", "7")
    # The scale's labels: 0 at the foot and a round number at or above the highest bar.
    scale = await bars.locator("text.scale").all_text_contents()
    assert scale[0] == "0" and int(scale[-1]) >= 7 and len(scale) >= 3, scale
    # Clock times along the bottom, an hour apart at the ends, in the store's time zone.
    times = await bars.locator("text.time").all_text_contents()
    assert len(times) >= 3 and all(len(t) == 5 and t[2] == ":" for t in times), times
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (times[0], times[-1]))
    assert (end - start) % (24 * 60) == 59, times
    assert await page.locator("#chart-pending text.time").count() == len(times)
    waiting = await page.locator("#chart-pending text.scale").all_text_contents()
    assert waiting[0] == "0" and int(waiting[-1]) >= 7, waiting


@pytest.mark.edge_env(heartbeat_timeout_s=2)
async def test_the_link_tile_and_the_cards_say_the_same(browser, edge):
    heartbeat(edge, link_up=False, kiosk="kiosk-1")
    heartbeat(edge, link_up=False, kiosk="kiosk-2")
    page = await open_wallboard(browser, edge)
    tile = page.locator('[data-tile="kiosks_link_down"] .value')
    await expect(tile).to_have_text("2")
    await expect(page.locator('.kiosk[data-link="down"]')).to_have_count(2)
    # kiosk-2 goes silent: its "down" is old news, and neither tile nor card claim it.
    for _ in range(6):
        heartbeat(edge, link_up=False, kiosk="kiosk-1")
        await page.wait_for_timeout(500)
    card = page.locator('[data-kiosk-id="kiosk-2"]')
    await expect(card).to_have_attribute("data-online", "no")
    await expect(card.locator(".link")).to_have_text("Link unknown (offline)")
    await expect(tile).to_have_text("1")
    down = page.locator('.kiosk[data-link="down"], .kiosk[data-link="forced"]')
    await expect(down).to_have_count(1)
    await expect(page.locator('[data-tile="kiosks_link_down"] .note')).to_have_text(
        "sales kept in store until it returns")
