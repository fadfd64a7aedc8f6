"""Steps shared by the browser tests (the `browser_page` fixture is in conftest.py)."""

from pathlib import Path

from django.conf import settings


def log_in(page, username: str, password: str = "mat-khau-123") -> None:
    """Logs in through the real login form (the user factory sets this password)."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# What a person meets on every page: a barrier axe calls serious or critical fails the test.
BLOCKING = ("critical", "serious")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
  }));
}"""


def blocking_violations(page) -> list[dict]:
    """axe-core's (npm) serious and critical violations on the page as it stands."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
