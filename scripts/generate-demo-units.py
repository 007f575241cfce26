#!/usr/bin/env python3
"""Regenerates the demo province's unit lists and succession links.

Reads the `vietnam-provinces` package (0.6.0: the tree before 1 July 2025; 2025.10.1: the tree after) and the
`vietnam-address-converter` package (old commune -> new commune, with codes of its own, so rows are matched by
the names along each path), and writes:

  Sources/ProvinceWeb/Resources/demo/units-before-2025.json   Lâm Đồng, Đắk Nông, Bình Thuận (they merged)
  Sources/ProvinceWeb/Resources/demo/units-2025.json          Lâm Đồng after the reform
  Sources/ProvinceWeb/Resources/demo/successions.json         links from old units to new ones

Usage: scripts/generate-demo-units.py   (downloads the three wheels with pip into a temporary folder)
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

OLD_PROVINCES = {68, 67, 60}  # Lâm Đồng, Đắk Nông, Bình Thuận before the merger
NEW_PROVINCE = 68
OUT = pathlib.Path(__file__).resolve().parent.parent / "Sources/ProvinceWeb/Resources/demo"
PREFIXES = ["huyen dao", "dac khu", "thanh pho", "thi tran", "thi xa", "phuong", "huyen", "quan", "tinh", "xa"]


def wheel(spec, folder):
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", folder, spec], check=True)
    name = spec.split("==")[0].replace("-", "_")
    return zipfile.ZipFile(next(pathlib.Path(folder).glob(f"{name}-*.whl")))


def fold(text):
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    # 'Quí' and 'Quý' are both in use for the same names.
    return " ".join("quy" if word == "qui" else word for word in text.replace("-", " ").split())


def key(name):
    """A unit's name without its type word: 'Phường 7' -> '7', 'Thành phố Đà Lạt' -> 'da lat'."""
    folded = fold(name)
    for prefix in PREFIXES:
        if folded.startswith(prefix + " "):
            folded = folded[len(prefix) + 1:]
            break
    folded = folded.lstrip("0") if folded.isdigit() else folded
    return "".join(c for c in folded if c.isalnum())


def main():
    with tempfile.TemporaryDirectory() as tmp:
        old = json.loads(wheel("vietnam-provinces==0.6.0", tmp + "/a").read("vietnam_provinces/data/nested-divisions.json"))
        new = json.loads(wheel("vietnam-provinces==2025.10.1", tmp + "/b").read("vietnam_provinces/data/nested-divisions.json"))
        wheel("vietnam-address-converter==1.0.5", tmp + "/c").extractall(tmp + "/c/x")
        sys.path.insert(0, tmp + "/c/x")
        from vietnam_address_converter.data import mapping  # the package's table, data only
    rows = mapping["rows"]

    old_tree = [p for p in old if p["code"] in OLD_PROVINCES]
    new_tree = [p for p in new if p["code"] == NEW_PROVINCE]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "units-before-2025.json").write_text(json.dumps(old_tree, ensure_ascii=False, indent=1) + "\n")
    (OUT / "units-2025.json").write_text(json.dumps(new_tree, ensure_ascii=False, indent=1) + "\n")

    old_index = {}
    for province in old_tree:
        for district in province["districts"]:
            for ward in district["wards"]:
                old_index[(key(province["name"]), key(district["name"]), key(ward["name"]))] = ward["code"]
    new_index = {}
    for province in new_tree:
        for ward in province["wards"]:
            new_index[key(ward["name"])] = ward["code"]
            # Names such as 'Phường Xuân Hương - Đà Lạt' are also found by their first part.
            new_index.setdefault(key(ward["name"].split(" - ")[0]), ward["code"])

    links, unmatched_old, unmatched_new = set(), set(), set()
    for row in rows:
        o, n = row["old"], row["new"]
        if key(n["province_name"]) != "lamdong":
            continue
        old_code = old_index.get((key(o["province_name"]), key(o["district_name"]), key(o["ward_name"])))
        new_code = new_index.get(key(n["ward_name"]))
        if old_code is None:
            unmatched_old.add(f'{o["ward_name"]}, {o["district_name"]}, {o["province_name"]}')
        if new_code is None:
            unmatched_new.add(n["ward_name"])
        if old_code is not None and new_code is not None:
            links.add((f"2008:{old_code:05d}", f"2025:{new_code:05d}"))
    for province in old_tree:
        links.add((f"2008:{province['code']:02d}", f"2025:{NEW_PROVINCE:02d}"))
    names = {f"2008:{w['code']:05d}": f"{w['name']}, {d['name']}, {p['name']}" for p in old_tree for d in p["districts"] for w in d["wards"]}
    all_old = set(names)
    result = {
        "source": "vietnam-address-converter 1.0.5, matched by names to vietnam-provinces 0.6.0 and 2025.10.1",
        "links": [{"predecessor": a, "successor": b} for a, b in sorted(links)],
        "unmatchedOld": sorted(unmatched_old),
        "unmatchedNew": sorted(unmatched_new),
        "withoutSuccessor": sorted(names[code] for code in all_old - {a for a, _ in links}),
    }
    (OUT / "successions.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    matched_old = {a for a, _ in links}
    print(f"old communes: {len(all_old)}, with a successor: {len(all_old & matched_old)}")
    for code in sorted(all_old - matched_old):
        print("  no successor in the converter's table:", names[code])
    print(f"links: {len(links)}; converter rows not matched: old side {len(unmatched_old)}, new side {len(unmatched_new)}")
    for name in sorted(unmatched_old):
        print("  old not matched:", name)
    for name in sorted(unmatched_new):
        print("  new not matched:", name)


if __name__ == "__main__":
    main()
