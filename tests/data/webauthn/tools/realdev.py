#!/usr/bin/env python3
"""Real-device captures (realdev-captures.txt) as latchkey case files:
tests/data/webauthn/dev-*.json.

    python3 tests/data/webauthn/tools/realdev.py [path/to/latchkeyctl]

Each capture block holds what its source test fed its verifier (rpId,
origin, challenge, the response, and for an authentication the assertion).
CASES below says which case files each capture becomes, with the policy
("now" inside the certificates' validity where they have expired, a trust
anchor from roots/) and the exact outcome expected.

An authentication case needs the credential record its registration
produces: this script runs `latchkeyctl webauthn verify-registration` on the
registration and stores that record (with "created" pinned) in the case, so
the case file does not depend on the tool at test time.
"""
import base64
import json
import os
import subprocess
import sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(TOOLS)
NOW_2021 = 1630627200       # 2021-09-03 00:00:00 UTC
NOW_2023 = 1685577600       # 2023-06-01 00:00:00 UTC
NOW_2025 = 1736294400       # 2025-01-08 00:00:00 UTC


def b64url(s):
    """Any base64 or base64url text, as unpadded base64url."""
    s = s.strip().replace("+", "-").replace("/", "_").rstrip("=")
    base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))   # must decode
    return s


def load_captures():
    caps, cur = {}, None
    with open(os.path.join(TOOLS, "realdev-captures.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                cur = caps.setdefault(line[1:-1], {})
                continue
            k, v = line.split("=", 1)
            cur[k] = v
    return caps


def client_data(c, key):
    """clientDataJSON as base64url: given encoded (KEY) or as the text the
    source printed (KEY with "Text" in place of "JSON"), byte for byte."""
    text = c.get(key.replace("JSON", "Text"))
    if text is not None:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return b64url(c[key])


def challenge_of(c, key):
    """The challenge the source test expects: its own, or (java-webauthn-server
    derives it so) the one in the clientDataJSON, read as base64url."""
    if key == "clientDataJSON" and "challenge" in c:
        return c["challenge"]
    cd = base64.urlsafe_b64decode(client_data(c, key) + "==")
    start = cd.index(b'"challenge"')
    return cd[start:].split(b'"')[3].decode()


def reg_response(c):
    return {
        "id": b64url(c["id"]), "rawId": b64url(c["id"]), "type": "public-key",
        "response": {"clientDataJSON": client_data(c, "clientDataJSON"),
                     "attestationObject": b64url(c["attestationObject"])},
        "clientExtensionResults": {},
    }


def auth_response(c):
    r = {"clientDataJSON": client_data(c, "authClientDataJSON"),
         "authenticatorData": b64url(c["authenticatorData"]),
         "signature": b64url(c["signature"])}
    if c.get("userHandle"):
        r["userHandle"] = b64url(c["userHandle"])
    return {"id": b64url(c["id"]), "rawId": b64url(c["id"]),
            "type": "public-key", "response": r, "clientExtensionResults": {}}


def record(ctl, c):
    """The credential record latchkeyctl makes of the capture's registration."""
    args = [ctl, "--json", "webauthn", "verify-registration",
            "--rp-id", c["rpId"], "--origin", c["origin"],
            "--challenge", b64url(challenge_of(c, "clientDataJSON")),
            "--now", str(NOW_2023)]
    out = subprocess.run(args, input=json.dumps(reg_response(c)).encode(),
                         capture_output=True, check=False)
    if out.returncode != 0:
        sys.exit("%s: verify-registration refused: %s%s" %
                 (c["id"], out.stdout.decode(), out.stderr.decode()))
    rec = json.loads(out.stdout)
    rec["created"] = "2023-06-01T00:00:00Z"
    return rec


def base_case(c, ceremony, challenge):
    return {"source": c["source"], "licence": c["licence"],
            "ceremony": ceremony, "rpId": c["rpId"], "origin": c["origin"],
            "challenge": b64url(challenge)}


# (file name, capture, ceremony, note, policy, expect)
CASES = [
    ("dev-tpm-lenovo-carbon-x1-reg", "lenovo-carbon-x1", "registration",
     "Windows Hello, STMicroelectronics TPM 2.0 (STM 73.8.17568.5511); RS256 key, "
     "tpm attStmt with RS1; clientDataJSON carries an extra member. AIK certificate "
     "valid 2020-03-31 to 2025-03-21. No anchor: valid, untrusted.",
     {"now": NOW_2023},
     {"ok": True, "fmt": "tpm", "trust": "untrusted", "type": "device-bound"}),
    ("dev-tpm-lenovo-carbon-x1-reg-trusted", "lenovo-carbon-x1", "registration",
     "Windows Hello, STMicroelectronics TPM 2.0; chains to the Microsoft TPM root "
     "at 2023-06-01.",
     {"now": NOW_2023, "trustPem": "microsoft-tpm-root-2014.pem"},
     {"ok": True, "fmt": "tpm", "trust": "trusted", "type": "device-bound"}),
    ("dev-tpm-rs256-fido-fake-root-reg", "swa-tpm-rs256-fidotpm", "registration",
     "TPM 2.0 (Nuvoton NPCT6xx, FIDO conformance \"FAKE\" AIK chain) with an RS256 "
     "(-257) attStmt alg: the certInfo signature goes through the OpenSSL path, not "
     "libfido2's RS1-only TPM code. The challenge is the UTF-8 text the source "
     "test expects, read as base64url. AIK certificate valid 2018-02-01 to "
     "2025-01-31; no anchor: valid, untrusted.",
     {"now": NOW_2023},
     {"ok": True, "fmt": "tpm", "trust": "untrusted", "type": "device-bound"}),
    ("dev-tpm-rs256-fido-fake-root-reg-wrong-anchor", "swa-tpm-rs256-fidotpm",
     "registration",
     "The RS256 TPM statement above, with only the Microsoft TPM root as anchor: "
     "its chain ends at the FIDO conformance root, so untrusted, and refused when "
     "trust is required.",
     {"now": NOW_2023, "trustPem": "microsoft-tpm-root-2014.pem",
      "requireTrustedAttestation": True},
     {"error": "attestation_untrusted"}),
    ("dev-packed-chrome-virtual-reg", "chrome-virtual-packed", "registration",
     "Chrome 89 virtual authenticator (packed, ES256, \"Batch Certificate\" "
     "self-issued, AAGUID 01020304-0506-0708-0102-030405060708). Its "
     "basicConstraints value is 30 03 01 01 00: cA encoded explicitly as FALSE, "
     "which DER forbids (a DEFAULT value is omitted) but which still says "
     "\"not a CA\". WebAuthn 8.2.1 asks that the Basic Constraints extension have "
     "CA set to false, and it does; DER strictness of extension values is not a "
     "WebAuthn requirement, and the x5c chain is not trusted anyway. Verified, "
     "untrusted, as the source test expects.",
     None,
     {"ok": True, "fmt": "packed", "trust": "untrusted", "type": "device-bound"}),
    ("dev-apple-passkey-reg", "apple-passkey", "registration",
     "Apple anonymous attestation (iOS 15 passkey, ES256, 2-certificate x5c under "
     "the Apple WebAuthn Root CA). Flags 0x45 (UP, UV, AT): captured in 2021, before "
     "backup eligibility was signalled, so device-bound by its flags. No anchor: valid, untrusted.",
     {"now": NOW_2021},
     {"ok": True, "fmt": "apple", "trust": "untrusted", "type": "device-bound"}),
    ("dev-apple-passkey-reg-trusted", "apple-passkey", "registration",
     "Apple anonymous attestation under the Apple WebAuthn Root CA at "
     "2021-09-02, inside the leaf's three-day validity (2021-08-31T23:02:07Z "
     "to 2021-09-03T23:02:07Z).",
     {"now": NOW_2021 - 86400, "trustPem": "apple-webauthn-root.pem"},
     {"ok": True, "fmt": "apple", "trust": "trusted", "type": "device-bound"}),
    ("dev-apple-passkey-reg-expired", "apple-passkey", "registration",
     "Apple anonymous attestation under the Apple WebAuthn Root CA at "
     "2023-06-01, long after the leaf expired: the statement verifies, the chain "
     "does not, so untrusted, and refused when trust is required.",
     {"now": NOW_2023, "trustPem": "apple-webauthn-root.pem",
      "requireTrustedAttestation": True},
     {"error": "attestation_untrusted"}),
    ("dev-java-yubikey-5-nfc-reg", "java-yubikey-5-nfc", "registration",
     "YubiKey 5 NFC (firmware 5.2), packed ES256 at demo.yubico.com, counter 57.",
     None,
     {"ok": True, "fmt": "packed", "trust": "untrusted", "type": "device-bound"}),
    ("dev-java-yubikey-5-nfc-auth", "java-yubikey-5-nfc", "authentication",
     "YubiKey 5 NFC assertion (counter 58) against the record its registration "
     "made; clientDataJSON carries an extra member.",
     None, {"ok": True, "type": "device-bound"}),
    ("dev-java-security-key-reg", "java-security-key", "registration",
     "Security Key by Yubico (first generation), fido-u2f, clientDataJSON with the "
     "legacy clientExtensions member. Its attestation certificate is a v3 "
     "certificate whose signature BIT STRING declares 2 unused bits and whose "
     "algorithm omits the NULL parameters: fido-u2f only needs the leaf's P-256 key, "
     "so it verifies, untrusted.",
     None,
     {"ok": True, "fmt": "fido-u2f", "trust": "untrusted", "type": "device-bound"}),
    ("dev-java-security-key-auth", "java-security-key", "authentication",
     "Security Key by Yubico assertion (counter 183, UP only).",
     None, {"ok": True, "type": "device-bound"}),
    ("dev-java-yubikey-5-nfc-fips-reg", "java-yubikey-5-nfc-fips", "registration",
     "YubiKey 5 NFC FIPS, packed attestation over an EdDSA (Ed25519) credential "
     "with the credProtect extension (level 2) in authenticatorData (flags 0xC5: "
     "UP, UV, AT, ED).",
     None,
     {"ok": True, "fmt": "packed", "trust": "untrusted", "type": "device-bound"}),
    ("dev-java-yubikey-5-nfc-fips-auth", "java-yubikey-5-nfc-fips", "authentication",
     "YubiKey 5 NFC FIPS EdDSA assertion (UV, counter 3).",
     None, {"ok": True, "type": "device-bound"}),
    ("dev-java-yubikey-5ci-fips-reg", "java-yubikey-5ci-fips", "registration",
     "YubiKey 5Ci FIPS, packed ES256 at demo.yubico.com.",
     None,
     {"ok": True, "fmt": "packed", "trust": "untrusted", "type": "device-bound"}),
    ("dev-java-yubikey-5ci-fips-auth", "java-yubikey-5ci-fips", "authentication",
     "The YubiKey 5Ci FIPS assertion as the source stores it: its clientDataJSON "
     "ends in false\"} -- a stray quote, so it is not JSON. WebAuthn 7.2 step 10 "
     "parses clientDataJSON as JSON before anything else, so the assertion is "
     "refused even though its signature over those bytes is good.",
     None, {"error": "json_malformed"}),
    ("dev-java-apple-ios-reg", "java-apple-ios", "registration",
     "Apple anonymous attestation from iOS 14.5 at demo.yubico.com (flags 0x45, no "
     "BE). The leaf is valid 2021-04-11T12:37:18Z to 2021-04-14T12:37:18Z; "
     "trusted under the Apple WebAuthn Root CA on 2021-04-12.",
     {"now": 1618185600, "trustPem": "apple-webauthn-root.pem"},
     {"ok": True, "fmt": "apple", "trust": "trusted", "type": "device-bound"}),
    ("dev-java-apple-ios-auth", "java-apple-ios", "authentication",
     "iOS platform authenticator assertion (UP, UV, counter 0 as on every Apple "
     "assertion).",
     None, {"ok": True, "type": "device-bound"}),
    ("dev-android-key-pixel-8a-reg", "android-key-pixel-8a", "registration",
     "android-key from a Pixel 8a (January 2025, TEE keystore, ES256), x5c of five "
     "certificates ending at the Google hardware attestation root itself. No "
     "anchor: valid, untrusted.",
     {"now": NOW_2025},
     {"ok": True, "fmt": "android-key", "trust": "untrusted", "type": "device-bound"}),
    ("dev-android-key-pixel-8a-reg-trusted", "android-key-pixel-8a", "registration",
     "The Pixel 8a android-key chain under the Google hardware attestation root at "
     "2025-01-08, the one day all five certificates share (the Droid CA3 "
     "intermediate is valid 2025-01-07T17:08:43Z to 2025-02-02T10:35:27Z).",
     {"now": NOW_2025, "trustPem": "google-hardware-attestation-root.pem"},
     {"ok": True, "fmt": "android-key", "trust": "trusted", "type": "device-bound"}),
    ("dev-android-key-pixel-8a-reg-expired", "android-key-pixel-8a", "registration",
     "The Pixel 8a android-key chain at 2026-01-01, after its intermediates "
     "expired: untrusted, and refused when trust is required.",
     {"now": 1767225600, "trustPem": "google-hardware-attestation-root.pem",
      "requireTrustedAttestation": True},
     {"error": "attestation_untrusted"}),
]


def main():
    ctl = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        DATA, "..", "..", "..", "latchkeyctl")
    caps = load_captures()
    for name, capname, ceremony, note, policy, expect in CASES:
        c = caps[capname]
        if ceremony == "registration":
            case = base_case(c, ceremony, challenge_of(c, "clientDataJSON"))
            case["response"] = reg_response(c)
        else:
            case = base_case(c, ceremony, challenge_of(c, "authClientDataJSON"))
            case["response"] = auth_response(c)
            case["credential"] = record(ctl, c)
        case["note"] = note
        if policy:
            case["policy"] = policy
        case["expect"] = expect
        with open(os.path.join(DATA, name + ".json"), "w") as f:
            json.dump(case, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
