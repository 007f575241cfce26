"""A dossier's fee as a VietQR code, read by the `vietnam-qr-pay` package as a banking app would."""
import base64

import requests
from vietnam_qr_pay import QRPay

PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def test_a_dossiers_fee_decodes_as_vietqr(servers, data_dir):
    server = servers(data_dir)
    admin = {"Authorization": f"Bearer {server.token('admin')}"}
    api = f"{server.url}/api/v1"

    def state(code, start=False, end=False):
        return {"code": code, "name": code, "isStart": start, "isTerminal": end, "isUpdatable": False, "stopsClock": False}

    process = {
        "code": "ho-so.le-phi", "name": "Có lệ phí", "states": [state("tiep-nhan", start=True), state("da-tra", end=True)],
        "actions": [{"code": "tra", "name": "Trả", "from": "tiep-nhan", "to": "da-tra", "roles": ["officer"], "requiredDocuments": [], "requiresReason": False}],
    }
    assert requests.put(f"{api}/processes/ho-so.le-phi", json=process, headers=admin, timeout=10).status_code == 201
    procedure = {
        "code": "1.001757", "name": "Cấp bản sao trích lục hộ tịch", "field": "Hộ tịch", "level": "province", "agencyCode": "000.00.02.H38",
        "onlineLevel": "full", "deadlineDays": 1, "feeVND": 8000, "documents": [{"name": "Tờ khai", "required": True}], "formFields": [],
        "processCode": "ho-so.le-phi",
    }
    assert requests.post(f"{api}/procedures", json=procedure, headers=admin, timeout=10).status_code == 201
    agency = requests.get(f"{api}/agencies", params={"q": "000.00.02.H38"}, timeout=10).json()["items"][0]["id"]
    account = {"bankBIN": "970415", "account": "113366668888", "accountName": "SO THONG TIN VA TRUYEN THONG"}
    assert requests.put(f"{api}/agencies/{agency}/payment-account", json=account, headers=admin, timeout=10).status_code == 200
    citizen = {"Authorization": f"Bearer {server.token('068090001234')}"}
    submission = {"procedure": "1.001757", "form": {}, "files": [{"kind": "Tờ khai", "filename": "to-khai.pdf", "contentType": "application/pdf", "content": PDF}]}
    dossier = requests.post(f"{api}/dossiers", json=submission, headers=citizen, timeout=10).json()
    payment = requests.get(f"{api}/dossiers/{dossier['code']}/payment", headers=citizen, timeout=10).json()

    qr = QRPay(payment["vietQR"])
    assert qr.is_valid
    assert qr.consumer.bank_bin == "970415" and qr.consumer.bank_number == "113366668888"
    assert qr.amount == "8000"
    assert qr.additional_data.purpose == dossier["code"]
