"""The `province` command line: import-units, user, audit verify, backup, migrate."""
import json
import os
import sqlite3
import subprocess

from conftest import BINARY

DEMO = os.path.join(os.path.dirname(__file__), "../../Sources/ProvinceWeb/Resources/demo")


def province(*args, data_dir, password=None, check=True):
    environment = dict(os.environ)
    environment.pop("DATABASE_URL", None)
    if password:
        environment["PROVINCE_PASSWORD"] = password
    result = subprocess.run([BINARY, *args, "--data-dir", data_dir], capture_output=True, text=True, env=environment, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_every_command_explains_itself():
    for command in [[], ["serve"], ["migrate"], ["import-units"], ["user"], ["user", "create"], ["user", "list"],
                    ["user", "disable"], ["user", "reset-password"], ["audit", "verify"], ["messagelog", "verify"], ["backup"]]:
        result = subprocess.run([BINARY, *command, "--help"], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 and "USAGE" in result.stdout, command


def test_import_units_is_idempotent_and_links_successions(data_dir):
    migrated = province("migrate", data_dir=data_dir).stdout
    assert migrated.startswith("Applied: platform-0001-steps-by-module, 0001-spine,") and "0024-hub-message-xroad-fields" in migrated
    assert province("migrate", data_dir=data_dir).stdout.strip() == "Schema up to date."
    before = os.path.join(DEMO, "units-before-2025.json")
    after = os.path.join(DEMO, "units-2025.json")
    first = province("import-units", before, data_dir=data_dir).stdout
    assert "Edition 2008:" in first and " 0 updated, 0 unchanged" in first
    province("import-units", after, "--successions", os.path.join(DEMO, "successions.json"), data_dir=data_dir)
    again = province("import-units", before, data_dir=data_dir).stdout
    assert "0 added, 0 updated" in again
    links = province("import-units", after, "--successions", os.path.join(DEMO, "successions.json"), data_dir=data_dir).stdout
    assert "Succession links: 0 added" in links

    bad = os.path.join(data_dir, "bad.json")
    with open(bad, "w") as file:
        file.write('{"not": "units"}')
    result = province("import-units", bad, data_dir=data_dir, check=False)
    assert result.returncode != 0 and "not a list of administrative units" in result.stderr
    missing = province("import-units", os.path.join(data_dir, "nope.json"), data_dir=data_dir, check=False)
    assert missing.returncode != 0 and "error:" in missing.stderr


def test_users_audit_and_backup(data_dir):
    province("migrate", data_dir=data_dir)
    weak = province("user", "create", "ops.admin", "--name", "Quản trị", "--roles", "platform_admin", data_dir=data_dir, password="short", check=False)
    assert weak.returncode != 0 and "at least 12 characters" in weak.stderr
    province("user", "create", "ops.admin", "--name", "Quản trị", "--roles", "platform_admin", data_dir=data_dir, password="VanHanh@2026")
    listed = province("user", "list", data_dir=data_dir).stdout
    assert "ops.admin\tofficial\tplatform_admin\tactive" in listed
    # The last enabled platform administrator stays, even for the command line.
    last = province("user", "disable", "ops.admin", data_dir=data_dir, check=False)
    assert last.returncode != 0 and "last enabled platform administrator" in last.stderr
    province("user", "create", "ops.admin2", "--name", "Quản trị Hai", "--roles", "platform_admin", data_dir=data_dir, password="VanHanh@2026")
    province("user", "disable", "ops.admin", data_dir=data_dir)
    assert "\tdisabled\t" in province("user", "list", data_dir=data_dir).stdout
    province("user", "disable", "ops.admin", "--enable", data_dir=data_dir)
    province("user", "reset-password", "ops.admin", data_dir=data_dir, password="MatKhauMoi99")
    unknown = province("user", "disable", "nobody.here", data_dir=data_dir, check=False)
    assert unknown.returncode != 0

    assert "Audit trail intact: 5 entries checked, 0 seals checked, 5 entries not sealed yet." in province("audit", "verify", data_dir=data_dir).stdout

    backup = os.path.join(data_dir, "copy.sqlite")
    assert "Backup written" in province("backup", backup, data_dir=data_dir).stdout
    assert province("backup", backup, data_dir=data_dir, check=False).returncode != 0
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT COUNT(*) FROM audit_entries").fetchone()[0] == 5

    with sqlite3.connect(os.path.join(data_dir, "province.sqlite")) as database:
        database.execute("UPDATE audit_entries SET summary = 'nothing' WHERE seq = 2")
    broken = province("audit", "verify", data_dir=data_dir, check=False)
    assert broken.returncode == 1 and "BROKEN at entry 2" in broken.stdout
