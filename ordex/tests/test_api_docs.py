"""The API's documentation page works without internet: Swagger UI's files come from the `ninja` package,
served by Ordex itself, under the same Content-Security-Policy as every page."""

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_api_docs_page_loads_every_file_from_ordex_itself():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_schema_the_page_reads_is_served_next_to_it():
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Ordex API"
