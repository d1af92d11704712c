#!/usr/bin/env python3
"""Turns transcribed WebAuthn vectors into latchkey's JSON case files.

Reads tools/w3c-l3-vectors.txt (hex, see its header for source and licence)
and writes one case file per ceremony and policy into tests/data/webauthn/,
plus roots/w3c-attestation-ca.pem.  Run from anywhere:

    python3 tests/data/webauthn/tools/wa_vectors.py

Only the Python standard library is used: a small CBOR reader finds the
credential id and COSE key inside authenticatorData, so that the stored
credential of an authentication case is the one its registration made.
"""
import base64
import json
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)

W3C_SOURCE = ("W3C Web Authentication Level 3, section 16 Test Vectors "
              "(https://w3c.github.io/webauthn/#sctn-test-vectors-{0}); bytes via "
              "go-webauthn/webauthn protocol/specification_vectors_e2e_test.go")
W3C_LICENCE = "W3C Software and Document License"
RP_ID = "example.org"
ORIGIN = "https://example.org"
TOP_ORIGIN = "https://example.com"
CA_PEM = "w3c-attestation-ca.pem"


def b64u(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def cbor_item_end(buf, off):
    """Returns the offset just past the CBOR item at off (definite lengths only)."""
    ib = buf[off]
    major, info = ib >> 5, ib & 0x1F
    off += 1
    if info < 24:
        val = info
    elif info in (24, 25, 26, 27):
        n = 1 << (info - 24)
        val = int.from_bytes(buf[off:off + n], "big")
        off += n
    else:
        raise ValueError("indefinite or reserved CBOR length")
    if major in (0, 1, 7):
        return off
    if major in (2, 3):
        return off + val
    if major == 4:
        for _ in range(val):
            off = cbor_item_end(buf, off)
        return off
    if major == 5:
        for _ in range(2 * val):
            off = cbor_item_end(buf, off)
        return off
    if major == 6:
        return cbor_item_end(buf, off)
    raise ValueError("bad CBOR")


def cbor_head(buf, off):
    ib = buf[off]
    info = ib & 0x1F
    off += 1
    if info < 24:
        return ib >> 5, info, off
    n = 1 << (info - 24)
    return ib >> 5, int.from_bytes(buf[off:off + n], "big"), off + n


def cbor_map_items(buf, off):
    """Yields (key bytes, value offset, value end) of a CBOR map at off."""
    major, n, off = cbor_head(buf, off)
    assert major == 5
    for _ in range(n):
        kend = cbor_item_end(buf, off)
        key = buf[off:kend]
        vend = cbor_item_end(buf, kend)
        yield key, kend, vend
        off = vend


def att_obj_auth_data(att):
    for key, voff, vend in cbor_map_items(att, 0):
        if key == b"\x68authData":
            major, n, off = cbor_head(att, voff)
            return att[off:off + n]
    raise ValueError("no authData")


def cose_alg(cose):
    for key, voff, vend in cbor_map_items(cose, 0):
        if key == b"\x03":
            major, n, _ = cbor_head(cose, voff)
            return -1 - n if major == 1 else n
    raise ValueError("no alg")


def parse_auth_data(ad):
    """Returns flags, credential id, COSE key bytes of a registration authData."""
    flags = ad[32]
    aaguid = ad[37:53]
    idlen = int.from_bytes(ad[53:55], "big")
    cid = ad[55:55 + idlen]
    kend = cbor_item_end(ad, 55 + idlen)
    return flags, aaguid, cid, ad[55 + idlen:kend]


def aaguid_str(a):
    h = a.hex()
    return "-".join((h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]))


def read_vectors(path):
    cases, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k, v = line.split(None, 1)
            if k == "case":
                cur = cases.setdefault(v, {})
            else:
                cur[k] = bytes.fromhex(v)
    return cases


def credential_record(reg_att):
    ad = att_obj_auth_data(reg_att)
    flags, aaguid, cid, cose = parse_auth_data(ad)
    return {
        "v": 1, "id": b64u(cid), "alg": cose_alg(cose), "publicKey": b64u(cose),
        "signCount": int.from_bytes(ad[33:37], "big"),
        "uv": bool(flags & 0x04), "be": bool(flags & 0x08), "bs": bool(flags & 0x10),
        "type": "synced" if flags & 0x08 else "device-bound",
        "aaguid": aaguid_str(aaguid), "fmt": "none",
        "attestation": {"trust": "none"}, "transports": [],
        "created": "2024-01-01T00:00:00Z",
        "lastUsed": None, "label": None,
    }


def reg_response(att, cdj):
    ad = att_obj_auth_data(att)
    _, _, cid, _ = parse_auth_data(ad)
    return {"id": b64u(cid), "rawId": b64u(cid), "type": "public-key",
            "response": {"clientDataJSON": b64u(cdj), "attestationObject": b64u(att),
                         "transports": []},
            "clientExtensionResults": {}}


def auth_response(cid, ad, cdj, sig):
    return {"id": b64u(cid), "rawId": b64u(cid), "type": "public-key",
            "response": {"clientDataJSON": b64u(cdj), "authenticatorData": b64u(ad),
                         "signature": b64u(sig)},
            "clientExtensionResults": {}}


# Expected outcome per vector: registration and authentication, each a list of
# (file suffix, policy overrides, expect).  "trusted" needs the §16.1 CA.
def w3c_expectations(name, flags):
    typ = "synced" if flags & 0x08 else "device-bound"
    ok = lambda fmt, trust: {"ok": True, "fmt": fmt, "trust": trust, "type": typ}
    attested = {"trustPem": CA_PEM}
    reg, auth = [], [("", {}, {"ok": True, "type": typ})]
    if name in ("none-es256", "none-es256-long-credential-id"):
        reg = [("", {}, ok("none", "none"))]
    elif name == "packed-self-es256":
        reg = [("", {}, ok("packed", "self"))]
    elif name == "none-es256-crossOrigin":
        reg = [("", {}, {"error": "cross_origin"}),
               ("-allowed", {"allowCrossOrigin": True}, ok("none", "none"))]
        auth = [("", {}, {"error": "cross_origin"}),
                ("-allowed", {"allowCrossOrigin": True}, {"ok": True, "type": typ})]
    elif name == "none-es256-topOrigin":
        top = {"allowCrossOrigin": True, "topOrigins": [TOP_ORIGIN]}
        reg = [("", {}, {"error": "cross_origin"}),
               ("-no-top-origins", {"allowCrossOrigin": True}, {"error": "cross_origin"}),
               ("-allowed", top, ok("none", "none"))]
        auth = [("", {}, {"error": "cross_origin"}),
                ("-allowed", top, {"ok": True, "type": typ})]
    elif name in ("packed-es256", "packed-es384", "packed-eddsa"):
        reg = [("", attested, ok("packed", "trusted")),
               ("-no-anchor", {}, ok("packed", "untrusted")),
               ("-require-trust", {"requireTrustedAttestation": True},
                {"error": "attestation_untrusted"})]
    elif name == "packed-es512":
        # ES512 is not among the algorithms latchkey offers (-7, -35, -257, -8).
        reg = [("", attested, {"error": "alg_not_allowed"})]
        auth = [("", {}, {"error": "alg_not_allowed"})]
    elif name == "packed-rs256":
        # A ~3.5 kbit modulus: libfido2 verifies RS256 with 2048-bit keys only.
        reg = [("", attested, {"error": "key_unsupported"})]
        auth = [("", {}, {"error": "key_unsupported"})]
    elif name == "tpm-es256":
        reg = [("", attested, ok("tpm", "trusted")),
               ("-no-anchor", {}, ok("tpm", "untrusted"))]
    elif name == "android-key-es256":
        # Both authorization lists of the key description are empty: §8.4
        # requires origin KM_ORIGIN_GENERATED and purpose KM_PURPOSE_SIGN.
        reg = [("", attested, {"error": "attestation_invalid"})]
    elif name == "apple-es256":
        reg = [("", attested, ok("apple", "trusted")),
               ("-no-anchor", {}, ok("apple", "untrusted"))]
    elif name == "fido-u2f-es256":
        reg = [("", attested, ok("fido-u2f", "trusted")),
               ("-no-anchor", {}, ok("fido-u2f", "untrusted"))]
    else:
        raise SystemExit("no expectation for " + name)
    return reg, auth


def write_case(fname, obj):
    with open(os.path.join(DATA, fname), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


def main():
    cases = read_vectors(os.path.join(HERE, "w3c-l3-vectors.txt"))
    ca = cases.pop("ca")["cert"]
    pem = ("-----BEGIN CERTIFICATE-----\n" +
           "\n".join(textwrap.wrap(base64.b64encode(ca).decode(), 64)) +
           "\n-----END CERTIFICATE-----\n")
    os.makedirs(os.path.join(DATA, "roots"), exist_ok=True)
    with open(os.path.join(DATA, "roots", CA_PEM), "w") as f:
        f.write("# W3C WebAuthn Level 3 §16.1 attestation root (attestation_ca_cert).\n"
                "# Licence: " + W3C_LICENCE + ".\n" + pem)
    n = 0
    for name, v in cases.items():
        att = v["reg.attestationObject"]
        flags, _, cid, _ = parse_auth_data(att_obj_auth_data(att))
        reg, auth = w3c_expectations(name, flags)
        common = {"source": W3C_SOURCE.format(name), "licence": W3C_LICENCE,
                  "rpId": RP_ID, "origin": ORIGIN}
        for suffix, pol, exp in reg:
            c = dict(common, ceremony="registration",
                     challenge=b64u(v["reg.challenge"]),
                     response=reg_response(att, v["reg.clientDataJSON"]))
            if pol:
                c["policy"] = pol
            c["expect"] = exp
            write_case("w3c-%s-reg%s.json" % (name, suffix), c)
            n += 1
        for suffix, pol, exp in auth:
            c = dict(common, ceremony="authentication",
                     challenge=b64u(v["auth.challenge"]),
                     response=auth_response(cid, v["auth.authenticatorData"],
                                            v["auth.clientDataJSON"],
                                            v["auth.signature"]),
                     credential=credential_record(att))
            if pol:
                c["policy"] = pol
            c["expect"] = exp
            write_case("w3c-%s-auth%s.json" % (name, suffix), c)
            n += 1
    print("wrote %d case files" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
