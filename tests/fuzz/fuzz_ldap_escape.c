/*
 * fuzz_ldap_escape.c: libFuzzer harness for store_escape() and
 * store_escape_dn(), which put untrusted values (user names from the web
 * flow and RADIUS, user handles, credential ids) into LDAP filters and DNs.
 * A value that escaped badly would change the filter or the DN it lands in
 * (an LDAP injection), so the checks are on the output's structure, not
 * only on the absence of crashes.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "log.h"
#include "store.h"
#include "xmalloc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_filter_value(const uint8_t *, size_t);
static void	fuzz_dn_value(const uint8_t *, size_t);
static int	fuzz_hex(int);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_ldap_escape");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_filter_value(data, size);
	if (memchr(data, '\0', size) == NULL)
		fuzz_dn_value(data, size);
	return 0;
}

/*
 * RFC 4515 §3: in an assertion value '*', '(', ')', '\' and NUL appear only
 * as \XX.  Scanning checks that every backslash starts such a pair and that
 * undoing the pairs gives the input back.
 */
static void
fuzz_filter_value(const uint8_t *data, size_t size)
{
	char		*esc, *p;
	uint8_t		*back;
	size_t		 n = 0;

	esc = store_escape(data, size);
	back = xmalloc(strlen(esc) + 1);
	for (p = esc; *p != '\0'; p++) {
		if (*p == '*' || *p == '(' || *p == ')')
			abort();
		if (*p == '\\') {
			if (fuzz_hex(p[1]) == -1 || fuzz_hex(p[2]) == -1)
				abort();
			back[n++] = (uint8_t)(fuzz_hex(p[1]) << 4 | fuzz_hex(p[2]));
			p += 2;
		} else
			back[n++] = (uint8_t)*p;
	}
	if (n != size || (size > 0 && memcmp(back, data, size) != 0))
		abort();
	free(back);
	free(esc);
}

/*
 * RFC 4514 §2.4: "cn=" followed by the escaped value must parse as one RDN
 * holding one AVA whose value is the input, byte for byte: a ',', '+' or
 * '=' that escaped badly would add an RDN or an AVA.
 */
static void
fuzz_dn_value(const uint8_t *data, size_t size)
{
	LDAPDN		 dn = NULL;
	LDAPAVA		*ava;
	char		*val, *esc, *str;

	val = xmalloc(size + 1);
	memcpy(val, data, size);
	val[size] = '\0';
	esc = store_escape_dn(val);
	xasprintf(&str, "cn=%s", esc);
	if (ldap_str2dn(str, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    dn == NULL || dn[0] == NULL || dn[1] != NULL ||
	    dn[0][0] == NULL || dn[0][1] != NULL)
		abort();
	ava = dn[0][0];
	if (ava->la_attr.bv_len != 2 ||
	    strncasecmp(ava->la_attr.bv_val, "cn", 2) != 0 ||
	    ava->la_value.bv_len != size || (size > 0 &&
	    memcmp(ava->la_value.bv_val, data, size) != 0))
		abort();
	ldap_dnfree(dn);
	free(str);
	free(esc);
	free(val);
}

static int
fuzz_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
