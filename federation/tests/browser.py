"""Steps shared by the browser tests (the `browser_page` fixture is in conftest.py)."""


def log_in(page, username: str, password: str = "mat-khau-123") -> None:
    """Logs in through the real login form (the user factory sets this password)."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
