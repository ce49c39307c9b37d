/*
 * codec.c - base64, hex and URL-path decoding for the whole of certmap.
 *
 * The base64 decoder is table-driven and hand-written rather than OpenSSL's:
 * loading 100 000 mappings decodes 100 000 certificates, EVP_DecodeBlock()
 * accepts non-canonical padding, and its BIO form costs more than the
 * decoding itself.
 */
#include "codec.h"

#include <string.h>

/* Markers in b64_table besides the digit values 0-63. */
#define B64_BAD 0xff
#define B64_WS 0xfe
#define B64_PAD 0xfd

static const char b64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Value of each byte as a base64 digit: 0-63, B64_PAD for '=', B64_WS for
 * the whitespace codec_b64_decode_ws() skips, B64_BAD otherwise.  A constant
 * table: filling one lazily would be shared mutable state, written by
 * concurrent decoders.
 */
static const unsigned char b64_table[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xfe, 0xff, 0xff, 0xfe, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff, 0xff, 0xff, 0x3f,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff,
    0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

size_t
codec_b64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

char *
codec_b64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t i, o = 0;
    unsigned long v;

    for (i = 0; i + 3 <= len; i += 3) {
        v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_digits[v >> 18];
        out[o++] = b64_digits[v >> 12 & 0x3f];
        out[o++] = b64_digits[v >> 6 & 0x3f];
        out[o++] = b64_digits[v & 0x3f];
    }
    if (len - i == 1) {
        v = (unsigned long)in[i] << 16;
        out[o++] = b64_digits[v >> 18];
        out[o++] = b64_digits[v >> 12 & 0x3f];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
        out[o++] = b64_digits[v >> 18];
        out[o++] = b64_digits[v >> 12 & 0x3f];
        out[o++] = b64_digits[v >> 6 & 0x3f];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

size_t
codec_b64_decoded_max(size_t len)
{
    /* Padding counts as characters, so every 4 characters make at most 3 bytes. */
    return len / 4 * 3;
}

/* Appends the first k bytes that quad[0..3] (digit values) stand for; false when out is full. */
static bool
b64_put(const unsigned char quad[4], size_t k, unsigned char *out, size_t size, size_t *n)
{
    unsigned char b[3];
    size_t j;

    if (size - *n < k)
        return false;
    b[0] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
    b[1] = (unsigned char)(quad[1] << 4 | quad[2] >> 2);
    b[2] = (unsigned char)(quad[2] << 6 | quad[3]);
    for (j = 0; j < k; j++)
        out[(*n)++] = b[j];
    return true;
}

/*
 * The bulk of a base64 text: whole quanta of four digits from in, three bytes
 * each into out, at most quads of them, stopping before the first quantum
 * that holds anything else (whitespace, padding, a bad character), which the
 * caller then takes one character at a time.  Returns the quanta decoded.
 * One loop with a single counter: a certificate is ~450 digits, and 100 000
 * of them are decoded at start.  Every table value that is not a digit has
 * one of the top two bits set.
 */
static size_t
b64_quads(const unsigned char *in, size_t quads, unsigned char *out)
{
    size_t k;

    for (k = 0; k < quads; k++, in += 4, out += 3) {
        unsigned a = b64_table[in[0]], b = b64_table[in[1]], c = b64_table[in[2]],
                 d = b64_table[in[3]];
        unsigned long v;
        if (((a | b | c | d) & 0xc0) != 0)
            break;
        v = (unsigned long)a << 18 | (unsigned long)b << 12 | (unsigned long)c << 6 | d;
        out[0] = (unsigned char)(v >> 16);
        out[1] = (unsigned char)(v >> 8);
        out[2] = (unsigned char)v;
    }
    return k;
}

static enum codec_b64_result
b64_decode(const char *text, size_t len, bool skip_ws, unsigned char *out, size_t size,
           size_t *out_len, size_t *at)
{
    const unsigned char *in = (const unsigned char *)text;
    unsigned char quad[4] = {0, 0, 0, 0}, v;
    size_t q = 0, n = 0, i, pad_at = 0, pads = 0;

    for (i = 0; i < len; i++) {
        /*
         * Four digits in a row (the bulk of any certificate) make three bytes
         * at once; anything else (whitespace, padding, a bad character) takes
         * the checks below one character at a time.
         */
        if (q == 0 && pads == 0) {
            size_t quads = (len - i) / 4, room = (size - n) / 3, done;
            done = b64_quads(in + i, quads < room ? quads : room, out + n);
            i += 4 * done;
            n += 3 * done;
            if (i >= len)
                break;
        }
        v = b64_table[in[i]];
        *at = i;
        if (v == B64_WS && skip_ws)
            continue;
        if (v == B64_WS || v == B64_BAD)
            return CODEC_B64_BAD_CHAR;
        if (v == B64_PAD) {
            /* "xx==" or "xxx=": padding completes the final quantum only. */
            if (pads == 0)
                pad_at = i;
            pads++;
            if (q < 2 || q + pads > 4)
                return CODEC_B64_BAD_PAD;
            continue;
        }
        if (pads > 0)
            return CODEC_B64_AFTER_PAD;
        quad[q++] = v;
        if (q == 4) {
            if (!b64_put(quad, 3, out, size, &n))
                return CODEC_B64_NO_ROOM;
            q = 0;
        }
    }
    *at = pad_at;
    if (pads > 0 && q + pads != 4)
        return CODEC_B64_BAD_PAD;
    if (q > 0 && pads == 0) {
        *at = len;
        return CODEC_B64_TRUNCATED;
    }
    /* The bits of the last digit that fall beyond the last byte must be zero. */
    if ((q == 2 && (quad[1] & 0x0f) != 0) || (q == 3 && (quad[2] & 0x03) != 0))
        return CODEC_B64_UNUSED_BITS;
    if (q > 0 && !b64_put(quad, q - 1, out, size, &n))
        return CODEC_B64_NO_ROOM;
    *out_len = n;
    return CODEC_B64_OK;
}

enum codec_b64_result
codec_b64_decode(const char *in, size_t len, unsigned char *out, size_t size, size_t *out_len,
                 size_t *at)
{
    return b64_decode(in, len, false, out, size, out_len, at);
}

enum codec_b64_result
codec_b64_decode_ws(const char *in, size_t len, unsigned char *out, size_t size, size_t *out_len,
                    size_t *at)
{
    return b64_decode(in, len, true, out, size, out_len, at);
}

/* ---- hex --------------------------------------------------------------- */

int
codec_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *
codec_hex_encode(const unsigned char *in, size_t len, char *out, enum codec_case letters)
{
    const char *digits = letters == CODEC_UPPER ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return out;
}

int
codec_hex_decode(const char *in, size_t len, unsigned char *out, size_t *bad_at)
{
    size_t i;
    int hi, lo;

    if (len % 2 != 0) {
        *bad_at = len;
        return -1;
    }
    for (i = 0; i < len; i += 2) {
        hi = codec_hex_digit((unsigned char)in[i]);
        lo = codec_hex_digit((unsigned char)in[i + 1]);
        if (hi < 0 || lo < 0) {
            *bad_at = hi < 0 ? i : i + 1;
            return -1;
        }
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* ---- URL paths ---------------------------------------------------------- */

/* A "." or ".." segment in out[start..n) (the segment starts after the last '/'). */
static bool
dot_segment(const char *out, size_t start, size_t n)
{
    size_t len = n - start;

    return (len == 1 && out[start] == '.') ||
           (len == 2 && out[start] == '.' && out[start + 1] == '.');
}

enum codec_path_result
codec_url_path_decode(const char *in, size_t len, char *out, size_t size, size_t *out_len)
{
    size_t i = 0, n = 0, seg = 0;

    if (size < 2)
        return CODEC_PATH_TOO_LONG;
    if (len == 0 || in[0] != '/')
        return CODEC_PATH_INVALID;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        int hi, lo;

        if (c == '%') {
            if (len - i < 3)
                return CODEC_PATH_INVALID;
            hi = codec_hex_digit((unsigned char)in[i + 1]);
            lo = codec_hex_digit((unsigned char)in[i + 2]);
            if (hi < 0 || lo < 0)
                return CODEC_PATH_INVALID;
            c = (unsigned char)(hi << 4 | lo);
            /* An encoded separator would name another path than the one matched here. */
            if (c == '/' || c == '\\' || c == 0)
                return CODEC_PATH_INVALID;
            i += 3;
        } else {
            i++;
            if (c == '\\')
                return CODEC_PATH_INVALID;
        }
        if (c < 0x20 || c == 0x7f)
            return CODEC_PATH_INVALID;
        if (c == '/') {
            if (n > 0 && dot_segment(out, seg, n))
                return CODEC_PATH_INVALID;
            if (n > 0 && out[n - 1] == '/')
                continue; /* "//" is "/" for the file system */
            if (n + 1 >= size)
                return CODEC_PATH_TOO_LONG;
            out[n++] = '/';
            seg = n;
            continue;
        }
        if (n + 1 >= size)
            return CODEC_PATH_TOO_LONG;
        out[n++] = (char)c;
    }
    if (dot_segment(out, seg, n))
        return CODEC_PATH_INVALID;
    out[n] = '\0';
    *out_len = n;
    return CODEC_PATH_OK;
}

bool
codec_url_has_escape(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i + 2 < len; i++)
        if (s[i] == '%' && codec_hex_digit((unsigned char)s[i + 1]) >= 0 &&
            codec_hex_digit((unsigned char)s[i + 2]) >= 0)
            return true;
    return false;
}

int
codec_url_path_encode(const char *in, size_t len, char *out, size_t size, size_t *out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        bool safe = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || (ch != 0 && strchr("-._~!$&'()*+,;=:@/", ch));

        if (n + (safe ? 1 : 3) >= size)
            return -1;
        if (safe) {
            out[n++] = (char)ch;
        } else {
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    if (n >= size)
        return -1;
    out[n] = '\0';
    *out_len = n;
    return 0;
}
