/*
 * http_chars.h - the character classes of the HTTP grammar, shared by the
 * request parser (http.c, which defines the table) and the chunked body
 * decoder (http_chunked.c).  Internal to those two files.
 *
 * Every class test is one lookup in http_cls[], so the parsers' hot loops
 * (target, header names and values, chunk sizes) make no function call per
 * byte.
 */
#ifndef CERTMAP_SERVER_HTTP_CHARS_H
#define CERTMAP_SERVER_HTTP_CHARS_H

/* Character classes, one bit each, in http_cls[]. */
#define C_TCHAR 0x01   /* token (RFC 9110 §5.6.2) */
#define C_TARGET 0x02  /* URI characters of a request target, except '%' */
#define C_VALUE 0x04   /* field-vchar, SP, HTAB, obs-text */
#define C_HEX 0x08     /* hexadecimal digit */
#define C_REGNAME 0x10 /* reg-name of a host, except '%' and ',' */
#define C_QDTEXT 0x20  /* qdtext of a quoted-string */

/* Defined in http.c, generated from the ABNF of RFC 9110 and RFC 3986. */
extern const unsigned char http_cls[256];

#define IS(c, k) ((http_cls[(unsigned char)(c)] & (k)) != 0)
#define IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10u)

#endif
