"""axe-core in the real browser: the pages are checked by an accessibility engine, not by eye.

axe-core comes bundled in axe-playwright-python (a test-only dependency). The pages' CSP has
no 'unsafe-eval'; Playwright's evaluate runs in the page through the DevTools protocol, which
the CSP does not govern, so axe is injected as it is, with no bypass of the page's policy.
"""
from axe_playwright_python.async_playwright import Axe

# What the European Accessibility Act's standard asks for (WCAG 2.1 A and AA) is reported
# from "moderate" up; "minor" findings are advice.
REPORTED_IMPACTS = ("moderate", "serious", "critical")
PORTRAIT, LANDSCAPE = (1080, 1920), (1920, 1080)
AXE_SCRIPT = Axe().axe_script


async def axe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now, of moderate impact or above."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE_SCRIPT)
    results = await page.evaluate(
        "options => axe.run(document, options)", {"resultTypes": ["violations"]})
    return [v for v in results["violations"] if v["impact"] in REPORTED_IMPACTS]


def describe(violations: list[dict]) -> str:
    """Each violation as its rule, impact and help, then each element: selector and snippet."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {' '.join(node['html'].split())[:160]}")
    return "\n".join(lines)


async def check_page(page, state: str, sizes=(PORTRAIT, LANDSCAPE)) -> None:
    """Fail naming every violation in `state`, at each screen size (the page is resized)."""
    for width, height in sizes:
        await page.set_viewport_size({"width": width, "height": height})
        found = await axe_violations(page)
        assert not found, f"{state} at {width}x{height}:\n{describe(found)}"
