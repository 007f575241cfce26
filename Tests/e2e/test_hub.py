"""The hub's gateway runs beside the web server of `province serve` and answers on its own port."""
import requests


def test_serve_runs_the_gateway(servers, data_dir):
    server = servers(data_dir)
    assert server.hub_url, "".join(server.output)
    malformed = requests.get(f"{server.hub_url}/not-x-road", timeout=10)
    assert malformed.status_code == 400
    assert malformed.headers["X-Road-Error"] == "Client.BadRequest"
    assert malformed.headers["Content-Type"] == "application/problem+json"
    unknown = requests.get(f"{server.hub_url}/r1/VN/GOV/000.00.02.H38/DATA/echo", headers={"X-Road-Client": "VN/GOV/000.00.07.H38/YTE"}, timeout=10)
    assert unknown.status_code == 401
    assert unknown.json()["type"] == "Client.Unauthorized"
