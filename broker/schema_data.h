/*
 * schema_data.h: the latchkey schema as cn=config LDIF, generated at build
 * time from schema/latchkey-schema.txt (the one source of truth), so the
 * embedded directory needs no file at run time.
 */
#ifndef LATCHKEY_SCHEMA_DATA_H
#define LATCHKEY_SCHEMA_DATA_H

extern const char schema_ldif[];

#endif
