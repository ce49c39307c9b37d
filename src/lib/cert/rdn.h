/*
 * cert/rdn.h - the certificate name attributes a many-to-one rule may name
 * (manyToOneMappings/add/rules/add/@certificateSubField), as IIS names them.
 *
 * IIS documents the subfields O, OU, CN, C, S, L and "non-standard" I, GN, T
 * and Email (IIS 6.0 "Edit Rule Element"); Windows' own name strings
 * (CertNameToStr) also write ST, E, G, SN, STREET, DC and SERIALNUMBER, so
 * those are accepted as the same attributes.  Names compare
 * case-insensitively.  A name outside this table is a configuration error:
 * a rule naming an attribute certmap cannot read would never match, and a
 * typo must not silently turn an Allow mapping into a dead one.
 */
#ifndef CERTMAP_CERT_RDN_H
#define CERTMAP_CERT_RDN_H

#include <stddef.h>

/* The OpenSSL NID of subfield name[0..len), or 0 (NID_undef) when certmap does not know it. */
int cert_rdn_nid(const char *name, size_t len);

/* "CN, O, OU, ..." : every accepted name, for error messages (static storage). */
const char *cert_rdn_allowed(void);

#endif
