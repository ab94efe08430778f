"""/docs works offline: Swagger UI from the package's own files, no URL to another origin; GET /healthz."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib.metadata import version
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from deconfliction.api.docs import SWAGGER_DIR

CONTENT_TYPES = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",),
                 ".png": ("image/png",)}


class _Urls(HTMLParser):
    """Every URL the page makes the browser load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value is not None:
                self.urls.append((tag, value))


def _page_urls(client: TestClient) -> list[tuple[str, str]]:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parser = _Urls()
    parser.feed(response.text)
    return parser.urls


def test_docs_page_references_only_same_origin_urls(client: TestClient) -> None:
    page = client.get("/docs").text
    urls = _page_urls(client)
    assert {tag for tag, _ in urls} == {"script", "link"} and len(urls) == 3
    for _tag, url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert url.startswith("/docs/static/"), url
    # not even in the inline script (the OpenAPI URL, validatorUrl, the OAuth2 redirect)
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert '"validatorUrl": null' in page
    assert "url: '/openapi.json'" in page


def test_docs_static_assets_are_served_with_their_content_type(client: TestClient) -> None:
    for _tag, url in _page_urls(client):
        response = client.get(urljoin("http://testserver/docs", url))
        assert response.status_code == 200, url
        suffix = "." + url.rsplit(".", 1)[-1]
        assert response.headers["content-type"].split(";")[0] in CONTENT_TYPES[suffix], url
        assert response.content == (SWAGGER_DIR / url.rsplit("/", 1)[-1]).read_bytes()


def test_docs_static_serves_nothing_outside_its_directory(client: TestClient) -> None:
    assert client.get("/docs/static/missing.js").status_code == 404
    # percent-encoded so that the client sends the dot segments as they are (app.py is one level up)
    assert client.get("/docs/static/%2e%2e/%2e%2e/app.py").status_code == 404
    assert client.get("/docs/static/..%2f..%2fdocs.py").status_code == 404


def test_redoc_is_off_and_openapi_still_served(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "deconfliction"
    assert not {"/docs", "/healthz", "/docs/oauth2-redirect"} & set(spec.json()["paths"])


def test_oauth2_redirect_page_is_inline(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "<script src" not in response.text and "https://" not in response.text


def test_docs_honour_root_path(settings) -> None:
    from deconfliction.api import create_app

    # behind a proxy that strips /dss-proxy; as uvicorn --root-path does, the ASGI path keeps the prefix
    with TestClient(create_app(settings), root_path="/dss-proxy") as client:
        page = client.get("/dss-proxy/docs").text
        parser = _Urls()
        parser.feed(page)
        assert len(parser.urls) == 3
        assert all(url.startswith("/dss-proxy/docs/static/") for _tag, url in parser.urls)
        assert "url: '/dss-proxy/openapi.json'" in page
        for _tag, url in parser.urls:
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_healthz_answers_without_a_token(client: TestClient, method: str) -> None:
    response = client.request(method, "/healthz")
    assert response.status_code == 200
    if method == "GET":
        assert response.json() == {"status": "ok", "version": version("deconfliction")}


def test_vendored_files_are_only_the_needed_ones() -> None:
    names = {p.name for p in SWAGGER_DIR.iterdir()}
    assert names == {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE",
                     "swagger-ui-bundle.js.LICENSE.txt", "README.md"}
    assert sum(p.stat().st_size for p in SWAGGER_DIR.iterdir()) < 2_500_000
