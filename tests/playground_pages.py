"""The fixture that opens playground pages in Chromium, offline, for the playground tests."""

import pytest

from nn.playground_page import playground


@pytest.fixture(name="open_playground")
def open_playground_fixture(offline_page, tmp_path):
    """open_playground(model, X, y, **options) -> a Playwright page of its playground, offline,
    checked at the end for network requests and console errors."""
    written = []

    def opener(model, X, y, width=1280, **options):
        path = tmp_path / f"play{len(written)}.html"
        playground(model, X, y, **options).save(path)
        written.append(path)
        return offline_page(path, ".crpg-live", width=width, height=900, accept_downloads=True)

    return opener
