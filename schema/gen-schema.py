#!/usr/bin/env python3
"""gen-schema.py: generates the latchkey schema files from schema/latchkey-schema.txt.

Usage: gen-schema.py SOURCE [--schema OUT] [--ldif OUT] [--ldf OUT] [--c OUT]

  --schema  OpenLDAP slapd.conf schema (attributetype/objectclass)
  --ldif    OpenLDAP cn=config LDIF (dn: cn=latchkey,cn=schema,cn=config)
  --ldf     Active Directory LDIF for ldifde (DC=X stands for the forest root)
  --c       C source defining `const char schema_ldif[]` (the cn=config LDIF)

The output depends only on SOURCE, so the same input always gives the same
bytes: the test suite regenerates the files and compares.
"""

import argparse
import os
import sys

ARC = "2.25.10006954054920699135359816551416321493"

# syntax name -> (LDAP syntax OID, EQUALITY, ORDERING, SUBSTR, AD attributeSyntax, AD oMSyntax)
# json is caseExactMatch so that a single value can be deleted by its exact
# text: the compare-and-swap of ARCHITECTURE §3 relies on it.
SYNTAXES = {
    "octet":   ("1.3.6.1.4.1.1466.115.121.1.40", "octetStringMatch", None, None, "2.5.5.10", 4),
    "json":    ("1.3.6.1.4.1.1466.115.121.1.15", "caseExactMatch", None, None, "2.5.5.12", 64),
    "keyword": ("1.3.6.1.4.1.1466.115.121.1.15", "caseIgnoreMatch", None, None, "2.5.5.12", 64),
    "string":  ("1.3.6.1.4.1.1466.115.121.1.15", "caseIgnoreMatch", None,
                "caseIgnoreSubstringsMatch", "2.5.5.12", 64),
    "integer": ("1.3.6.1.4.1.1466.115.121.1.27", "integerMatch", "integerOrderingMatch", None,
                "2.5.5.9", 2),
    "boolean": ("1.3.6.1.4.1.1466.115.121.1.7", "booleanMatch", None, None, "2.5.5.8", 1),
    "time":    ("1.3.6.1.4.1.1466.115.121.1.24", "generalizedTimeMatch",
                "generalizedTimeOrderingMatch", None, "2.5.5.11", 24),
}

# Attributes from the standard schemas that the classes may name.
STANDARD = {"cn", "description"}


class SchemaError(Exception):
    pass


def parse(path):
    """Reads the source into (attributes, classes), lists of dicts in file order."""
    attrs, classes = [], []
    cur = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            where = "%s:%d" % (path, lineno)
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                words = line.split()
                if len(words) != 3 or words[0] not in ("attribute", "class") \
                        or not words[1].isdigit():
                    raise SchemaError("%s: expected 'attribute N NAME' or 'class N NAME'" % where)
                cur = {"kind_of": words[0], "n": int(words[1]), "name": words[2],
                       "where": where}
                (attrs if words[0] == "attribute" else classes).append(cur)
                continue
            if cur is None:
                raise SchemaError("%s: indented line outside a block" % where)
            key, _, value = line.strip().partition(" ")
            if key in cur:
                raise SchemaError("%s: %s given twice" % (where, key))
            cur[key] = value.strip()
    check(attrs, classes)
    return attrs, classes


def check(attrs, classes):
    """Validates the whole source: unique numbers and names, known syntaxes and references."""
    names = set()
    for table in (attrs, classes):
        numbers = set()
        for d in table:
            if d["n"] in numbers:
                raise SchemaError("%s: number %d reused" % (d["where"], d["n"]))
            if d["name"].lower() in names:
                raise SchemaError("%s: name %s reused" % (d["where"], d["name"]))
            numbers.add(d["n"])
            names.add(d["name"].lower())
            desc = d.get("desc", "")
            if "'" in desc or "\\" in desc or not all(" " <= ch <= "~" for ch in desc):
                raise SchemaError("%s: desc must be printable ASCII without quotes or "
                                  "backslashes" % d["where"])
    known = {a["name"] for a in attrs} | STANDARD
    for a in attrs:
        if a.get("syntax") not in SYNTAXES:
            raise SchemaError("%s: unknown syntax %r" % (a["where"], a.get("syntax")))
        if a.get("index", "eq") != "eq":
            raise SchemaError("%s: only 'index eq' is supported" % a["where"])
        for key in ("desc", "writer"):
            if not a.get(key):
                raise SchemaError("%s: %s missing" % (a["where"], key))
    for c in classes:
        if c.get("kind") not in ("auxiliary", "structural"):
            raise SchemaError("%s: kind must be auxiliary or structural" % c["where"])
        for ref in c.get("must", "").split() + c.get("may", "").split() + [c.get("rdn", "cn")]:
            if ref not in known:
                raise SchemaError("%s: unknown attribute %s" % (c["where"], ref))


def attr_oid(a):
    return "%s.1.%d" % (ARC, a["n"])


def class_oid(c):
    return "%s.2.%d" % (ARC, c["n"])


def attr_def(a):
    """RFC 4512 §4.1.2 AttributeTypeDescription as a list of clauses."""
    oid, eq, order, substr, _, _ = SYNTAXES[a["syntax"]]
    parts = ["( %s NAME '%s'" % (attr_oid(a), a["name"]), "DESC '%s'" % a["desc"],
             "EQUALITY %s" % eq]
    if order:
        parts.append("ORDERING %s" % order)
    if substr:
        parts.append("SUBSTR %s" % substr)
    parts.append("SYNTAX %s" % oid)
    if "single" in a:
        parts.append("SINGLE-VALUE")
    parts[-1] += " )"
    return parts


def oid_list(names):
    if len(names) == 1:
        return names[0]
    return "( " + " $ ".join(names) + " )"


def class_def(c):
    """RFC 4512 §4.1.1 ObjectClassDescription as a list of clauses."""
    parts = ["( %s NAME '%s'" % (class_oid(c), c["name"]), "DESC '%s'" % c["desc"],
             "SUP top %s" % c["kind"].upper()]
    if c.get("must"):
        parts.append("MUST " + oid_list(c["must"].split()))
    if c.get("may"):
        parts.append("MAY " + oid_list(c["may"].split()))
    parts[-1] += " )"
    return parts


HEADER = ("latchkey LDAP schema, generated by schema/gen-schema.py from\n"
          "schema/latchkey-schema.txt: edit that file, not this one.\n"
          "OID arc %s: .1.N attribute types, .2.N object classes.\n" % ARC)


def comment(prefix):
    return "".join(prefix + line + "\n" for line in HEADER.splitlines())


def gen_schema(attrs, classes):
    out = [comment("# ") + "\n"]
    for a in attrs:
        p = attr_def(a)
        out.append("attributetype " + p[0] + "\n" + "".join("\t" + x + "\n" for x in p[1:]) + "\n")
    for c in classes:
        p = class_def(c)
        out.append("objectclass " + p[0] + "\n" + "".join("\t" + x + "\n" for x in p[1:]) + "\n")
    return "".join(out).rstrip("\n") + "\n"


def gen_ldif(attrs, classes):
    # RFC 2849: a line starting with one space continues the previous one,
    # so "  DESC" joins as " DESC".
    out = [comment("# ") + "\n", "dn: cn=latchkey,cn=schema,cn=config\n",
           "objectClass: olcSchemaConfig\n", "cn: latchkey\n"]
    for a in attrs:
        p = attr_def(a)
        out.append("olcAttributeTypes: " + p[0] + "\n" + "".join("  " + x + "\n" for x in p[1:]))
    for c in classes:
        p = class_def(c)
        out.append("olcObjectClasses: " + p[0] + "\n" + "".join("  " + x + "\n" for x in p[1:]))
    return "".join(out)


AD_SCHEMA = "CN=Schema,CN=Configuration,DC=X"
AD_UPDATE = "dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-\n\n"


def gen_ldf(attrs, classes):
    out = [comment("# "),
           "# Load with: ldifde -i -f latchkey.ldf -c DC=X dc=example,dc=com\n"
           "# as a member of Schema Admins on the schema master.  Active Directory\n"
           "# schema additions are permanent: they can be deactivated, never removed.\n\n"]
    for a in attrs:
        _, _, _, _, ad_syntax, om = SYNTAXES[a["syntax"]]
        out.append("dn: CN=%s,%s\n" % (a["name"], AD_SCHEMA))
        out.append("changetype: ntdsSchemaAdd\nobjectClass: top\nobjectClass: attributeSchema\n")
        out.append("cn: %s\n" % a["name"])
        out.append("attributeID: %s\n" % attr_oid(a))
        out.append("attributeSyntax: %s\noMSyntax: %d\n" % (ad_syntax, om))
        out.append("isSingleValued: %s\n" % ("TRUE" if "single" in a else "FALSE"))
        out.append("lDAPDisplayName: %s\nadminDisplayName: %s\n" % (a["name"], a["name"]))
        out.append("adminDescription: %s\n" % a["desc"])
        if a.get("index") == "eq":
            out.append("searchFlags: 1\n")
        out.append("\n")
    # Attributes must be in the schema cache before a class may name them.
    out.append(AD_UPDATE)
    for c in classes:
        out.append("dn: CN=%s,%s\n" % (c["name"], AD_SCHEMA))
        out.append("changetype: ntdsSchemaAdd\nobjectClass: top\nobjectClass: classSchema\n")
        out.append("cn: %s\n" % c["name"])
        out.append("governsID: %s\n" % class_oid(c))
        out.append("lDAPDisplayName: %s\nadminDisplayName: %s\n" % (c["name"], c["name"]))
        out.append("adminDescription: %s\n" % c["desc"])
        out.append("objectClassCategory: %d\n" % (3 if c["kind"] == "auxiliary" else 1))
        out.append("subClassOf: top\n")
        out.append("rDNAttID: %s\n" % c.get("rdn", "cn"))
        # In Active Directory, top already carries cn (the naming attribute).
        for name in c.get("must", "").split():
            if name != "cn":
                out.append("mustContain: %s\n" % name)
        for name in c.get("may", "").split():
            out.append("mayContain: %s\n" % name)
        if c["kind"] == "structural":
            out.append("possSuperiors: organizationalUnit\npossSuperiors: container\n"
                       "possSuperiors: domainDNS\n")
        out.append("defaultObjectCategory: CN=%s,%s\n" % (c["name"], AD_SCHEMA))
        out.append("\n")
    out.append(AD_UPDATE)
    return "".join(out).rstrip("\n") + "\n"


def gen_c(ldif):
    out = ["/*\n", comment(" * "), " */\n", '#include "config.h"\n', '#include "schema_data.h"\n\n',
           "/* The cn=config LDIF of the latchkey schema (schema/latchkey.ldif). */\n",
           "const char schema_ldif[] =\n"]
    lines = [line for line in ldif.splitlines() if not line.startswith("#")]
    for line in lines:
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
        out.append('\t"%s\\n"\n' % esc)
    out.append(";\n")
    return "".join(out)


def write(path, text):
    """Writes atomically, so make never sees a half-written file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="generate the latchkey schema files")
    ap.add_argument("source")
    ap.add_argument("--schema")
    ap.add_argument("--ldif")
    ap.add_argument("--ldf")
    ap.add_argument("--c", dest="c")
    args = ap.parse_args()
    try:
        attrs, classes = parse(args.source)
    except (SchemaError, OSError) as e:
        print("gen-schema: %s" % e, file=sys.stderr)
        return 1
    ldif = gen_ldif(attrs, classes)
    if args.schema:
        write(args.schema, gen_schema(attrs, classes))
    if args.ldif:
        write(args.ldif, ldif)
    if args.ldf:
        write(args.ldf, gen_ldf(attrs, classes))
    if args.c:
        write(args.c, gen_c(ldif))
    return 0


if __name__ == "__main__":
    sys.exit(main())
