"""Online public services at scale (SQLite or PostgreSQL): 1,000,000 dossiers loaded, the service-quality index over
all of them, the diacritics-insensitive search over 2,000 procedures, submissions per second through the API.

Run by benchmarks/services.sh, which builds the release binary and starts it; this script is given its address, data
directory and, on PostgreSQL, the database's URL. References measured in the same run: the index's own SQL run
straight on the database (Python's sqlite3 on the file, or psycopg), and the search's SQL likewise.
"""
import base64
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid

import requests

URL, DATA, BINARY, DOSSIERS, SECONDS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
DATABASE_URL = sys.argv[6] if len(sys.argv) > 6 else None
ENGINE = "PostgreSQL" if DATABASE_URL else "SQLite"
RAW = "psycopg" if DATABASE_URL else "Python's sqlite3"
API = URL + "/api/v1"
PASSWORD = "LamDong@2025"


def token(user):
    return requests.post(f"{API}/auth/token", json={"username": user, "password": PASSWORD}, timeout=30).json()["token"]


admin = {"Authorization": f"Bearer {token('admin')}"}


def state(code, start=False, end=False):
    return {"code": code, "name": code, "isStart": start, "isTerminal": end, "isUpdatable": False, "stopsClock": False}


process = {"code": "ho-so.bench", "name": "Bench", "states": [state("tiep-nhan", start=True), state("xu-ly"), state("da-tra", end=True)],
           "actions": [{"code": "thu-ly", "name": "Thụ lý", "from": "tiep-nhan", "to": "xu-ly", "roles": ["officer"], "requiredDocuments": [], "requiresReason": False},
                       {"code": "tra", "name": "Trả", "from": "xu-ly", "to": "da-tra", "roles": ["officer"], "requiredDocuments": [], "requiresReason": False}]}
assert requests.put(f"{API}/processes/ho-so.bench", json=process, headers=admin, timeout=30).status_code in (200, 201)

# 2,000 procedures, in Vietnamese, imported as CSV.
verbs = ["Cấp", "Cấp lại", "Gia hạn", "Điều chỉnh", "Thu hồi", "Đăng ký", "Xác nhận", "Thẩm định"]
things = ["giấy phép xây dựng", "giấy chứng nhận quyền sử dụng đất", "giấy phép kinh doanh", "chứng chỉ hành nghề", "giấy phép lái xe",
          "đăng ký khai sinh", "giấy phép môi trường", "giấy phép hoạt động", "văn bằng", "thẻ bảo hiểm y tế"]
places = ["nhà ở riêng lẻ", "công trình", "doanh nghiệp", "hộ kinh doanh", "cơ sở khám bệnh", "trường học", "khu du lịch", "trang trại",
          "bến xe", "chợ", "cảng", "khách sạn", "nhà hàng", "xưởng", "kho", "trạm", "điểm", "cửa hàng", "đại lý", "văn phòng", "chi nhánh",
          "hợp tác xã", "làng nghề", "mỏ"]
fields = ["Hoạt động xây dựng", "Đất đai", "Đăng ký kinh doanh", "Y tế", "Giao thông", "Hộ tịch", "Môi trường", "Giáo dục", "Du lịch"]
rows = ["code,name,field,level,agency_code,online_level,deadline_days,fee_vnd,documents,process_code"]
n = 0
for verb in verbs:
    for thing in things:
        for place in places:
            if n == 2000:
                break
            n += 1
            rows.append(f"9.{n:06d},{verb} {thing} cho {place},{random.choice(fields)},province,000.00.02.H38,"
                        f"{random.choice(['full', 'partial', 'none'])},{random.choice([1, 3, 5, 10, 15, 20])},0,Đơn đề nghị,ho-so.bench")
procedures = "\n".join(rows) + "\n"
reply = requests.post(f"{API}/procedures/import", data=procedures.encode(), headers={**admin, "Content-Type": "text/csv"}, timeout=120)
assert reply.status_code == 200, reply.text
procedure_id = requests.get(f"{API}/procedures/9.000001", timeout=30).json()["id"]
agency_id = requests.get(f"{API}/agencies", params={"q": "000.00.02.H38"}, timeout=30).json()["items"][0]["id"]

# 1,000,000 dossiers straight into the database (a load, as from a previous system), spread over 2025-2026.
started = time.time()
if DATABASE_URL:
    import psycopg

    db = psycopg.connect(DATABASE_URL.split("?")[0])
else:
    db = sqlite3.connect(os.path.join(DATA, "province.sqlite"), timeout=60)
    db.execute("PRAGMA synchronous = NORMAL")
dossier_columns = ("id, code, procedure_id, process_code, agency_id, applicant_id, applicant_name, applicant_citizen_id, channel, form, state, "
                   "finished, received_on, due_on, paused_since, paused_days, submission_key, created_at, updated_at, finished_at, fee_vnd, "
                   "receiving_agency_id, holder_agency_id")


def store(dossiers, events):
    if DATABASE_URL:
        with db.cursor() as cursor:
            with cursor.copy(f"COPY dossiers ({dossier_columns}) FROM STDIN") as copy:
                for row in dossiers:
                    copy.write_row(row)
            with cursor.copy("COPY dossier_events FROM STDIN") as copy:
                for row in events:
                    copy.write_row(row)
    else:
        db.executemany(f"INSERT INTO dossiers ({dossier_columns}) VALUES (" + ",".join("?" * 23) + ")", dossiers)
        db.executemany("INSERT INTO dossier_events VALUES (?,?,?,?,?,?,?,?)", events)
    db.commit()



batch = []
events = []
now = "2026-12-01T00:00:00.000Z"
for index in range(DOSSIERS):
    day = 1 + index % 700
    received = time.strftime("%Y-%m-%d", time.gmtime(1735689600 + day * 86400))
    due = time.strftime("%Y-%m-%d", time.gmtime(1735689600 + (day + 14) * 86400))
    finished = 1 if index % 10 else 0
    finished_at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1735689600 + (day + random.choice([3, 10, 20])) * 86400)) if finished else None
    identifier = uuid.UUID(int=index + 1).hex
    batch.append((identifier, f"000.00.02.H38-L{index:08d}", procedure_id, "ho-so.bench", agency_id, None, "Nguyễn Văn A", None,
                  "online" if index % 2 else "counter", "{}", "da-tra" if finished else "xu-ly", finished, received, due, None, 0, None,
                  now, now, finished_at, None, agency_id, agency_id))
    events.append((identifier, 1, "nop", None, "tiep-nhan", "load", None, now))
    if len(batch) == 50_000 or index == DOSSIERS - 1:
        store(batch, events)
        batch, events = [], []
if DATABASE_URL:
    with db.cursor() as cursor:
        cursor.execute("ANALYZE")
    db.commit()
# Dossiers written straight to the database are counted into the index's daily counts by the platform's own command.
subprocess.run([BINARY, "recount-dossiers", "--data-dir", DATA] + (["--database-url", DATABASE_URL] if DATABASE_URL else []), check=True,
               capture_output=True)
load_seconds = time.time() - started


def timed(call, times):
    spans = []
    for _ in range(times):
        begin = time.perf_counter()
        call()
        spans.append((time.perf_counter() - begin) * 1000)
    return statistics.median(spans), max(spans)


# The service-quality index over every dossier, through the API and as raw SQL.
everything = {"from": "2000-01-01", "to": "2100-12-31"}
index_api = timed(lambda: requests.get(f"{API}/service-quality", params=everything, timeout=600).raise_for_status(), 5)
lines = requests.get(f"{API}/service-quality", params=everything, timeout=600).json()["lines"]
if DATABASE_URL:
    db.autocommit = True

    def raw(sql):
        with db.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
else:
    db.close()
    reader = sqlite3.connect(os.path.join(DATA, "province.sqlite"), timeout=60)

    def raw(sql):
        return reader.execute(sql).fetchall()
index_sql = open(os.path.join(os.path.dirname(__file__), "services-index.sql")).read()
index_raw = timed(lambda: [raw(statement) for statement in index_sql.split(";") if statement.strip()], 5)

# Search: wrk over several folded queries.
queries = ["cap giay phep xay dung", "gia han chung chi hanh nghe", "dang ky khai sinh", "THẨM ĐỊNH giấy phép môi trường", "cho ho kinh doanh"]
search_lua = os.path.join(DATA, "search.lua")
with open(search_lua, "w") as out:
    out.write("local q = {" + ",".join('"' + requests.utils.quote(q) + '"' for q in queries) + "}\nlocal i = 0\n"
              "request = function() i = i % #q + 1; return wrk.format('GET', '/api/v1/procedures?limit=20&q=' .. q[i]) end\n")
search = subprocess.run(["wrk", "-t1", "-c8", f"-d{SECONDS}s", "--latency", "-s", search_lua, URL], capture_output=True, text=True).stdout
search_light = subprocess.run(["wrk", "-t1", "-c1", f"-d{SECONDS}s", "--latency", "-s", search_lua, URL], capture_output=True, text=True).stdout
search_raw = timed(lambda: raw("SELECT * FROM procedures WHERE search_key LIKE '%cap%' ESCAPE '\\' AND search_key LIKE '%giay%' ESCAPE '\\' "
                                       "AND search_key LIKE '%phep%' ESCAPE '\\' AND search_key LIKE '%xay%' ESCAPE '\\' "
                                       "AND search_key LIKE '%dung%' ESCAPE '\\' ORDER BY code LIMIT 21"), 200)

# Submissions through the API: citizens' dossiers with one PDF each.
citizen = token("068090001234")
body = json.dumps({"procedure": "9.000001", "form": {}, "files": [{"kind": "Đơn đề nghị", "filename": "don.pdf", "contentType": "application/pdf",
                                                                   "content": base64.b64encode(b"%PDF-1.4\n" + os.urandom(2000) + b"\n%%EOF\n").decode()}]})
submit_lua = os.path.join(DATA, "submit.lua")
with open(submit_lua, "w") as out:
    out.write("wrk.method = 'POST'\nwrk.body = [==[" + body + "]==]\nwrk.headers['Content-Type'] = 'application/json'\n"
              f"wrk.headers['Authorization'] = 'Bearer {citizen}'\n")
submit = subprocess.run(["wrk", "-t1", "-c16", f"-d{SECONDS}s", "--latency", "-s", submit_lua, URL + "/api/v1/dossiers"], capture_output=True, text=True).stdout


def figure(output, label):
    for line in output.splitlines():
        parts = line.split()
        if label == "rps" and line.startswith("Requests/sec"):
            return parts[1]
        if parts and parts[0] == label:
            return parts[1]
        if label == "non2xx" and "Non-2xx" in line:
            return parts[-1]
    return "0" if label == "non2xx" else "?"


print(f"Online public services benchmark ({ENGINE}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())})")
print(f"  load          {DOSSIERS:,} dossiers written straight to the database and counted (recount-dossiers) in {load_seconds:.0f} s")
print(f"  index (API)   median {index_api[0]:.0f} ms, max {index_api[1]:.0f} ms over {DOSSIERS:,} dossiers; {len(lines)} lines, province received {lines[0]['received']:,}")
print(f"  index (raw)   median {index_raw[0]:.0f} ms (the same SQL through {RAW})   API / raw {index_api[0] / index_raw[0]:.2f}")
print(f"  search (API)  {figure(search, 'rps')} req/s, p50 {figure(search, '50%')}, p99 {figure(search, '99%')}, non-2xx {figure(search, 'non2xx')} (wrk, 8 connections, 5 queries, 2,000 procedures)")
print(f"  search (API)  {figure(search_light, 'rps')} req/s, p50 {figure(search_light, '50%')}, p99 {figure(search_light, '99%')} (one connection)")
print(f"  search (raw)  median {search_raw[0]:.2f} ms, max {search_raw[1]:.2f} ms (its SQL through {RAW})")
log = open(os.path.join(DATA, "province.log"), errors="replace").read().splitlines()
problems = [line for line in log if " error " in line or "warning" in line]
print(f"  submissions   {figure(submit, 'rps')} /s, p50 {figure(submit, '50%')}, p99 {figure(submit, '99%')}, non-2xx {figure(submit, 'non2xx')} (wrk, 16 connections, one 2 KB PDF each)")
print(f"  server log    {len(problems)} error or warning lines" + (f"; the last: {problems[-1][:300]}" if problems else ""))
