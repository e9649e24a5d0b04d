"""OASIS CAP 1.2 export and import (S31), lossless for ``duel-notify/1`` messages.

Export maps id/sender/sent/status/type/recipients/references/note onto the ``alert`` block (scope
Private, ``addresses``; times with the numeric offset ``-00:00``, whole seconds, never ``Z``), the
launch content onto one ``info`` block (category Security; areas as ``circle`` "lat,lon radius_km" or a
closed ``polygon``) and every field CAP has no element for onto ``parameter`` pairs named ``duel:...``,
the Ed25519 signature included, so that import gives back the identical message and its signature still
verifies. (CAP's own signature is an enveloped XML-DSig; duel keeps its canonical-JSON signature.)
Import refuses DOCTYPEs (no entity expansion) and names the CAP element of any problem.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from duel.notify.canonical import number
from duel.notify.message import SchemaError, validate

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MSG_TYPE = {"NOTIFY": "Alert", "UPDATE": "Update", "CANCEL": "Cancel", "ACK": "Ack", "ERROR": "Error",
            "POST_LAUNCH": "Update"}
PARAMS = ("type", "seq", "format", "regime", "missile_class", "num_missiles", "window_start", "window_end",
          "launched_at", "expires", "source_ids", "head", "seen", "signature_alg", "key_id", "sig")


def _cap_time(t: str) -> str:
    return t[:-1] + "-00:00"


def _duel_time(t: str, where: str) -> str:
    if not isinstance(t, str) or not t.endswith("-00:00") or len(t) != 25:
        raise SchemaError(where, "must be a CAP UTC time YYYY-MM-DDThh:mm:ss-00:00")
    return t[:-6] + "Z"


def _area_xml(parent: ET.Element, label: str, a: dict[str, Any]) -> None:
    el = ET.SubElement(parent, "area")
    ET.SubElement(el, "areaDesc").text = f"{label}: {a['desc']}"
    if "polygon" in a:
        ET.SubElement(el, "polygon").text = " ".join(f"{number(p[0])},{number(p[1])}" for p in a["polygon"])
    else:
        c = a["circle"]
        km = Decimal(number(c["radius_m"])) / 1000
        ET.SubElement(el, "circle").text = f"{number(c['lat_deg'])},{number(c['lon_deg'])} {number(km)}"


def export_cap(m: dict[str, Any]) -> bytes:
    """CAP 1.2 XML (UTF-8 bytes) for the valid message ``m``."""
    alert = ET.Element("alert", xmlns=NS)
    for tag, val in (("identifier", m["id"]), ("sender", m["sender"]), ("sent", _cap_time(m["sent"])),
                     ("status", m["status"]), ("msgType", MSG_TYPE[m["type"]]), ("source", "duel"),
                     ("scope", "Private"), ("addresses", " ".join(m["recipients"]))):
        ET.SubElement(alert, tag).text = val
    if "note" in m:
        ET.SubElement(alert, "note").text = m["note"]
    if m["references"]:
        ET.SubElement(alert, "references").text = " ".join(
            f"{r['sender']},{r['id']},{_cap_time(r['sent'])}" for r in m["references"])
    info = ET.SubElement(alert, "info")
    for tag, val in (("category", "Security"), ("event", "Missile launch notification (exercise)"),
                     ("urgency", "Past" if m["type"] == "POST_LAUNCH" else "Future"), ("severity", "Unknown"),
                     ("certainty", "Unknown")):
        ET.SubElement(info, tag).text = val
    if "window" in m:
        ET.SubElement(info, "onset").text = _cap_time(m["window"]["start"])
    ET.SubElement(info, "expires").text = _cap_time(m["expires"])
    ET.SubElement(info, "senderName").text = f"{m['sender']} (SIMULATED - duel exercise)"
    sig = m["signature"]
    values = {"type": m["type"], "seq": str(m["seq"]), "format": m["format"], "regime": m.get("regime"),
              "missile_class": m.get("missile_class"),
              "num_missiles": str(m["num_missiles"]) if "num_missiles" in m else None,
              "window_start": m["window"]["start"] if "window" in m else None,
              "window_end": m["window"]["end"] if "window" in m else None, "launched_at": m.get("launched_at"),
              "expires": m["expires"], "source_ids": " ".join(m["source_ids"]) if "source_ids" in m else None,
              **{k: f"{m[k]['size']} {m[k]['root']}" if k in m else None for k in ("head", "seen")},
              "signature_alg": sig["alg"], "key_id": sig["key_id"], "sig": sig["sig"]}
    for name in PARAMS:
        if values[name] is not None:
            p = ET.SubElement(info, "parameter")
            ET.SubElement(p, "valueName").text = f"duel:{name}"
            ET.SubElement(p, "value").text = values[name]
    if "launch_area" in m:
        _area_xml(info, "launch area", m["launch_area"])
    if m.get("impact_area") is not None:
        _area_xml(info, "impact area", m["impact_area"])
    ET.indent(alert)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alert, encoding="utf-8", xml_declaration=False) + b"\n"


def _text(el: ET.Element, tag: str, where: str, required: bool = True) -> str | None:
    found = el.find(f"{{{NS}}}{tag}")
    if found is None or found.text is None:
        if required:
            raise SchemaError(f"{where}.{tag}", "is required")
        return None
    return found.text


def _area_json(el: ET.Element) -> tuple[str, dict[str, Any]]:
    desc = _text(el, "areaDesc", "cap:area") or ""
    label, _, text = desc.partition(": ")
    if label not in ("launch area", "impact area"):
        raise SchemaError("cap:area.areaDesc", "must start with 'launch area: ' or 'impact area: '")
    try:
        poly = _text(el, "polygon", "cap:area", required=False)
        if poly is not None:
            pts = [[float(x) for x in pair.split(",")] for pair in poly.split()]
            return label, {"desc": text, "polygon": pts}
        lat, rest = (_text(el, "circle", "cap:area") or "").split(",", 1)
        lon, km = rest.split()
        return label, {"desc": text, "circle": {"lat_deg": float(lat), "lon_deg": float(lon),
                                                "radius_m": float(Decimal(km) * 1000)}}
    except (ValueError, InvalidOperation):
        raise SchemaError("cap:area", "circle must be 'lat,lon radius_km', polygon 'lat,lon' pairs") from None


def import_cap(xml: bytes) -> dict[str, Any]:
    """The ``duel-notify/1`` message in CAP XML ``xml``; SchemaError naming the CAP element if malformed."""
    if b"<!DOCTYPE" in xml.upper() or b"<!ENTITY" in xml.upper():
        raise SchemaError("cap", "DOCTYPE and entities are not accepted")
    try:
        alert = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise SchemaError("cap", f"not well-formed XML ({exc})") from None
    if alert.tag != f"{{{NS}}}alert":
        raise SchemaError("cap", f"root element must be alert in {NS}")
    info = alert.find(f"{{{NS}}}info")
    if info is None:
        raise SchemaError("cap:info", "is required")
    params: dict[str, str] = {}
    for p in info.findall(f"{{{NS}}}parameter"):
        name, value = _text(p, "valueName", "cap:parameter"), _text(p, "value", "cap:parameter")
        if name and name.startswith("duel:"):
            params[name[5:]] = value or ""
    for need in ("type", "seq", "format", "expires", "signature_alg", "key_id", "sig"):
        if need not in params:
            raise SchemaError(f"cap:parameter duel:{need}", "is required")
    m: dict[str, Any] = {"format": params["format"], "id": _text(alert, "identifier", "cap:alert"),
                         "sender": _text(alert, "sender", "cap:alert"),
                         "recipients": (_text(alert, "addresses", "cap:alert") or "").split(),
                         "sent": _duel_time(_text(alert, "sent", "cap:alert"), "cap:alert.sent"),
                         "status": _text(alert, "status", "cap:alert"), "type": params["type"],
                         "expires": params["expires"], "references": []}
    try:
        m["seq"] = int(params["seq"])
        if "num_missiles" in params:
            m["num_missiles"] = int(params["num_missiles"])
    except ValueError:
        raise SchemaError("cap:parameter", "duel:seq and duel:num_missiles must be integers") from None
    refs = _text(alert, "references", "cap:alert", required=False)
    for i, triple in enumerate((refs or "").split()):
        parts = triple.split(",")
        if len(parts) != 3:
            raise SchemaError(f"cap:alert.references[{i}]", "must be sender,identifier,sent")
        m["references"].append({"sender": parts[0], "id": parts[1],
                                "sent": _duel_time(parts[2], f"cap:alert.references[{i}]")})
    note = _text(alert, "note", "cap:alert", required=False)
    if note is not None:
        m["note"] = note
    for key in ("regime", "missile_class", "launched_at"):
        if key in params:
            m[key] = params[key]
    if "window_start" in params or "window_end" in params:
        m["window"] = {"start": params.get("window_start"), "end": params.get("window_end")}
    if "source_ids" in params:
        m["source_ids"] = params["source_ids"].split()
    for key in ("head", "seen"):  # "SIZE ROOT": a tree head (signed with the rest)
        if key in params:
            size, _, root = params[key].partition(" ")
            if not size.isdigit():
                raise SchemaError(f"cap:parameter duel:{key}", "must be SIZE ROOT")
            m[key] = {"size": int(size), "root": root}
    for el in info.findall(f"{{{NS}}}area"):
        label, area = _area_json(el)
        m["launch_area" if label == "launch area" else "impact_area"] = area
    m["signature"] = {"alg": params["signature_alg"], "key_id": params["key_id"], "sig": params["sig"]}
    return validate(m)
