#!/usr/bin/env python3
"""Checks a message-log inclusion proof outside the hub.

    province messagelog proof 42 > proof.json
    scripts/verify-proof.py proof.json

It recomputes the record's hash from its fields (SHA-256 of the JSON array of its fields, in the order below, as
the hub computes it), folds it up the audit path to the Merkle root (RFC 6962: leaf = SHA-256(0x00 || hash),
node = SHA-256(0x01 || left || right)), compares that root with the seal's, and checks the seal's Ed25519 signature
over "openprovince-messagelog-seal\\n{seq}\\n{first}\\n{last}\\n{root}\\n{sealedAt}" with the public key (base64, raw
32 bytes), whose SHA-256 is the seal's key id. Needs the `cryptography` package. Exits 0 when every check holds.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FIELDS = ["seq", "messageID", "consumer", "service", "method", "path", "status", "error", "requestBytes", "responseBytes",
          "requestSHA256", "responseSHA256", "receivedAt", "forwardedAt", "answeredAt", "prevHash"]
# X-Road's fields, after the previous hash in every record that has a request id (all made since the log kept them).
XROAD_FIELDS = ["requestID", "requestHash", "userID", "issue", "representedParty"]


def record_hash(record):
    names = FIELDS + (XROAD_FIELDS if record.get("requestID") is not None else [])
    values = [None if record.get(name) is None else str(record[name]) for name in names]
    # The hub's encoder writes the JSON array compactly and escapes "/" as "\/".
    canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")
    return hashlib.sha256(canonical.encode()).hexdigest()


def main(path):
    proof = json.load(open(path))
    record, seal = proof["record"], proof["seal"]
    problems = []
    computed = record_hash(record)
    if computed != record["hash"]:
        problems.append(f"the record's fields hash to {computed}, not to its stored hash {record['hash']}")
    node = hashlib.sha256(b"\x00" + bytes.fromhex(record["hash"])).digest()
    for step in proof["path"]:
        sibling = bytes.fromhex(step["hash"])
        node = hashlib.sha256(b"\x01" + (sibling + node if step["left"] else node + sibling)).digest()
    if node.hex() != seal["merkleRoot"]:
        problems.append("the audit path does not lead to the seal's Merkle root")
    key = base64.b64decode(proof["publicKey"])
    if hashlib.sha256(key).hexdigest() != seal["keyID"]:
        problems.append("the public key is not the one the seal names")
    signed = f"openprovince-messagelog-seal\n{seal['seq']}\n{seal['firstRecord']}\n{seal['lastRecord']}\n{seal['merkleRoot']}\n{seal['sealedAt']}"
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(base64.b64decode(seal["signature"]), signed.encode())
    except Exception:
        problems.append("the seal's signature does not verify")
    if problems:
        print("NOT PROVEN: " + "; ".join(problems))
        return 1
    print(f"proven: record {record['seq']} ({record['messageID']}) is in seal {seal['seq']} "
          f"(records {seal['firstRecord']}–{seal['lastRecord']}), signed by key {seal['keyID'][:16]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
