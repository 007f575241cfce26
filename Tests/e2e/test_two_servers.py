"""Two `province serve` processes on one PostgreSQL database share everything: accounts, sessions, lockouts."""
import requests


def test_account_created_on_one_server_signs_in_on_the_other(servers, data_dir, postgres_url):
    first = servers(data_dir, database_url=postgres_url)
    second = servers(data_dir + "-b", database_url=postgres_url)
    assert "already present" in "".join(second.output) or first.url != second.url

    admin = first.token("admin")
    agencies = requests.get(f"{first.url}/api/v1/agencies", params={"q": "000.00.07.H38"}, timeout=10).json()["items"]
    created = requests.post(
        f"{first.url}/api/v1/accounts",
        json={"username": "yte.moi", "fullName": "Cán Bộ Mới", "agencyID": agencies[0]["id"], "roles": ["officer"], "password": "CanBoMoi2026"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text

    token = second.token("yte.moi", "CanBoMoi2026")
    me = requests.get(f"{second.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.json()["username"] == "yte.moi"
    # A token from one server works on the other, and signing out on one ends it on both.
    assert requests.get(f"{first.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    assert requests.delete(f"{first.url}/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 204
    assert requests.get(f"{second.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 401


def test_lockout_counts_failures_on_every_server(servers, data_dir, postgres_url):
    first = servers(data_dir, database_url=postgres_url)
    second = servers(data_dir + "-b", database_url=postgres_url)
    statuses = []
    for attempt in range(5):
        server = first if attempt % 2 == 0 else second
        statuses.append(requests.post(f"{server.url}/api/v1/auth/token", json={"username": "tnmt.xem", "password": f"wrong{attempt}x"}, timeout=10).status_code)
    assert statuses == [401, 401, 401, 401, 423]
    assert requests.post(f"{second.url}/api/v1/auth/token", json={"username": "tnmt.xem", "password": "LamDong@2025"}, timeout=10).status_code == 423


def test_concurrent_writes_keep_one_audit_chain(servers, data_dir, postgres_url):
    import concurrent.futures

    # Two processes of one platform share its database and its data directory: the signing key and the seals' archive
    # that say which seals are the platform's live there.
    first = servers(data_dir, database_url=postgres_url)
    second = servers(data_dir, database_url=postgres_url)

    def register(index):
        server = first if index % 2 else second
        return requests.post(
            f"{server.url}/api/v1/citizens",
            json={"citizenID": f"068195{index:06d}", "fullName": "Công Dân", "password": "HopLe@123456"},
            timeout=20,
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(register, range(60))) == {201}
    token = first.token("admin")
    second.verified("/api/v1/audit/verify", token, "entriesChecked")
