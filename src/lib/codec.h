/*
 * codec.h - the text encodings of bytes that certmap reads and writes:
 * base64 (RFC 4648 §4, the standard alphabet with '=' padding), hex, and
 * the percent-encoding of URL paths (RFC 3986 §2.1).
 *
 * Every decoder here is strict: one byte sequence has one accepted spelling
 * (canonical padding, no bits left over), so that two spellings can never
 * name the same certificate, envelope or file while comparing differently.
 * Callers turn the failure codes into their own messages (what the input
 * was, where it came from).  Pure functions: no allocation, no state, safe
 * from any thread.
 */
#ifndef CERTMAP_CODEC_H
#define CERTMAP_CODEC_H

#include <stdbool.h>
#include <stddef.h>

/* ---- base64 ------------------------------------------------------------ */

/* Length of the base64 text of len bytes, without the NUL: 4 characters per started 3 bytes. */
size_t codec_b64_encoded_len(size_t len);

/*
 * Writes the single-line, padded base64 of in[0..len) and a NUL into out,
 * which holds codec_b64_encoded_len(len) + 1 bytes.  Returns out.
 */
char *codec_b64_encode(const unsigned char *in, size_t len, char *out);

/* Most bytes that len characters of base64 decode to (with or without whitespace). */
size_t codec_b64_decoded_max(size_t len);

/* Why a base64 text was refused; *at (see the decoders) says where. */
enum codec_b64_result {
    CODEC_B64_OK = 0,
    CODEC_B64_BAD_CHAR,    /* in[*at] is neither a digit nor '=' (nor skipped whitespace) */
    CODEC_B64_BAD_PAD,     /* '=' that cannot end the last quantum: in[*at] is the '=' at
                              fault, or the first '=' when the quantum stays incomplete */
    CODEC_B64_AFTER_PAD,   /* in[*at] is a digit after the padding */
    CODEC_B64_TRUNCATED,   /* the digits end inside a quantum without padding; *at = len */
    CODEC_B64_UNUSED_BITS, /* the digit before the padding has bits set that carry no data
                              (a second spelling of the same bytes); *at = the first '=' */
    CODEC_B64_NO_ROOM,     /* the bytes do not fit in size; *at = where decoding stopped */
};

/*
 * Strict decoding of in[0..len) into out (size bytes; codec_b64_decoded_max(len)
 * always suffices): only the 64 digits, whole quanta of 4 characters, '='
 * only as the last one or two characters, unused bits zero.  The empty text
 * decodes to 0 bytes.  Returns CODEC_B64_OK with *out_len set, or the
 * failure with *at set (out then holds a partial result: ignore it).
 */
enum codec_b64_result codec_b64_decode(const char *in, size_t len, unsigned char *out, size_t size,
                                       size_t *out_len, size_t *at);

/*
 * codec_b64_decode(), except that spaces, tabs, CR and LF are skipped
 * wherever they are (base64 broken into lines, as in PEM or certificate
 * strings pasted into a configuration).  Everything else is as strict.
 */
enum codec_b64_result codec_b64_decode_ws(const char *in, size_t len, unsigned char *out,
                                          size_t size, size_t *out_len, size_t *at);

/* ---- hex --------------------------------------------------------------- */

enum codec_case {
    CODEC_LOWER, /* "0123456789abcdef": fingerprints, key files */
    CODEC_UPPER, /* "0123456789ABCDEF": serial numbers, %XX escapes */
};

/* Value 0-15 of the hex digit c (either case), or -1 when c is not one. */
int codec_hex_digit(int c);

/*
 * Writes two hex digits per byte of in[0..len) and a NUL into out, which
 * holds 2 * len + 1 bytes.  Returns out.
 */
char *codec_hex_encode(const unsigned char *in, size_t len, char *out, enum codec_case letters);

/*
 * Decodes exactly len hex digits (either case, no separators) into out,
 * which holds len / 2 bytes.  Returns 0; -1 when len is odd (*bad_at = len)
 * or when in[*bad_at] is not a hex digit (the first such).
 */
int codec_hex_decode(const char *in, size_t len, unsigned char *out, size_t *bad_at);

/* ---- URL paths ---------------------------------------------------------- */

enum codec_path_result {
    CODEC_PATH_OK = 0,
    CODEC_PATH_INVALID,  /* refused: see codec_url_path_decode() */
    CODEC_PATH_TOO_LONG, /* the decoded path does not fit */
};

/*
 * Decodes the path of a request target, in[0..len) (starting with '/',
 * percent-encoded, without query), into out (size bytes) in the form the
 * server matches against locations and opens: every "%XX" decoded once
 * (either case), runs of '/' collapsed into one.  Refuses
 * (CODEC_PATH_INVALID) what would let the path that is matched differ from
 * the file that is opened: an empty path or one not starting with '/', a
 * '%' not followed by two hex digits, an escape decoding to '/', '\' or NUL
 * (it would split or end a segment the URL does not show), a raw '\', a
 * control character (0x00-0x1f, 0x7f, raw or escaped), a "." or ".."
 * segment (raw, escaped or mixed).  Bytes >= 0x80 are copied unchecked:
 * UTF-8 validity is the file handler's business.  Returns CODEC_PATH_OK
 * with out NUL-terminated and *out_len its length; CODEC_PATH_TOO_LONG when
 * the result and its NUL would not fit in size.  Errors are reported in
 * input order: the first offending byte decides.
 */
enum codec_path_result codec_url_path_decode(const char *in, size_t len, char *out, size_t size,
                                             size_t *out_len);

/*
 * Percent-encodes a decoded path in[0..len) for a URL (a Location header):
 * unreserved characters, sub-delims, ':', '@' and '/' are kept, every other
 * byte becomes "%XX" (upper case).  0 with out NUL-terminated and *out_len
 * its length; -1 when it does not fit in size bytes (3 * len + 1 always do).
 */
int codec_url_path_encode(const char *in, size_t len, char *out, size_t size, size_t *out_len);

/*
 * True when s[0..len) contains "%XX" (a '%' and two hex digits): a decoded
 * path for which this holds would change if decoded again, which IIS refuses
 * (allowDoubleEscaping=false).
 */
bool codec_url_has_escape(const char *s, size_t len);

#endif
