"""The fixture that opens playground pages in Chromium, offline, for the playground tests."""

import pytest

from nn.playground_page import playground


@pytest.fixture(name="open_playground")
def open_playground_fixture(browser, tmp_path):
    """open_playground(model, X, y, **options) -> a Playwright page of its playground, offline,
    checked at the end for network requests and console errors."""
    contexts, requests, problems = [], [], []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    def opener(model, X, y, width=1280, **options):
        path = tmp_path / f"play{len(contexts)}.html"
        playground(model, X, y, **options).save(path)
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      accept_downloads=True)
        context.route("**/*", block)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        page.wait_for_selector(".crpg-live")
        return page

    yield opener
    for context in contexts:
        context.close()
    assert requests == [], "the page asked the network for something"
    assert problems == []
