"""`kill -9` while the server accepts writes: every write it answered 2xx is there after the restart."""
import concurrent.futures
import random
import threading
import time

import pytest
import requests

from conftest import DEMO_PASSWORD


def citizen_id(index):
    # Lâm Đồng (068), born in the 1900s (0), year 90, then a serial number.
    return f"06809{index:07d}"


def hammer(server, stop, answered, writers=8):
    """Registers citizens from several threads until told to stop; records every 201."""

    def writer(worker):
        session = requests.Session()
        serial = worker * 100_000
        while not stop.is_set():
            serial += 1
            cccd = citizen_id(serial)
            try:
                reply = session.post(f"{server.url}/api/v1/citizens", json={"citizenID": cccd, "fullName": "Công Dân", "password": "HopLe@123456"}, timeout=5)
            except requests.RequestException:
                continue
            if reply.status_code == 201:
                answered.append(cccd)

    with concurrent.futures.ThreadPoolExecutor(writers) as pool:
        for worker in range(writers):
            pool.submit(writer, worker)


def run_crash(servers, data_dir, database_url=None):
    server = servers(data_dir, database_url=database_url)
    answered, stop = [], threading.Event()
    thread = threading.Thread(target=hammer, args=(server, stop, answered))
    thread.start()
    time.sleep(random.uniform(2.0, 3.0))
    server.kill9()
    stop.set()
    thread.join()
    assert len(answered) > 20, f"too few writes answered before the kill: {len(answered)}"

    restarted = servers(data_dir, database_url=database_url)
    token = restarted.token("admin")
    stored = {item["username"] for item in restarted.every_item("/api/v1/accounts", token, kind="citizen")}
    missing = set(answered) - stored
    assert not missing, f"{len(missing)} of {len(answered)} answered writes lost, e.g. {sorted(missing)[:5]}"
    restarted.verified("/api/v1/audit/verify", token, "entriesChecked")
    print(f"kill -9: {len(answered)} writes answered 201 before the kill, all {len(answered)} present after restart")
    return len(answered)


def test_kill9_loses_no_answered_write_sqlite(servers, data_dir):
    run_crash(servers, data_dir)


def test_kill9_loses_no_answered_write_postgres(servers, data_dir, postgres_url):
    run_crash(servers, data_dir, postgres_url)


def test_demo_data_survives_a_second_start(servers, data_dir):
    first = servers(data_dir)
    token = first.token("admin")
    reply = requests.post(f"{first.url}/api/v1/agencies", json={"code": "000.00.99.H38", "name": "Sở Thử Nghiệm"}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert reply.status_code == 201
    first.stop()
    second = servers(data_dir)
    assert "already present" in "".join(second.output)
    agencies = requests.get(f"{second.url}/api/v1/agencies", params={"q": "Thử Nghiệm"}, timeout=10).json()["items"]
    assert [agency["code"] for agency in agencies] == ["000.00.99.H38"]
    assert second.token("admin", DEMO_PASSWORD)
