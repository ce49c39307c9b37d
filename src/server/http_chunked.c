/*
 * http_chunked.c - incremental decoder of chunked request bodies
 * (RFC 9112 §7.1; see http_chunked.h for the contract).
 *
 * A byte-at-a-time state machine over the framing, so a chunk-size line or
 * a trailer cut anywhere between two reads resumes where it stopped; the
 * chunk data itself is moved in one memmove per piece.
 */
#include "http_chunked.h"

#include <string.h>

#include "codec.h"
#include "http_chars.h"

enum {
    CS_SIZE_START,      /* first hex digit of a chunk size */
    CS_SIZE,            /* more hex digits, ';' or CR */
    CS_EXT_NAME_START,  /* after ';' */
    CS_EXT_NAME,        /* in an extension name */
    CS_EXT_VAL_START,   /* after '=' */
    CS_EXT_TOKEN,       /* in a token value */
    CS_EXT_QUOTED,      /* in a quoted-string value */
    CS_EXT_QUOTED_ESC,  /* after '\' in a quoted-string */
    CS_EXT_AFTER_QUOTE, /* after the closing '"' */
    CS_SIZE_LF,         /* the LF ending the chunk-size line */
    CS_DATA,            /* chunk data */
    CS_DATA_CR,         /* the CRLF after the data */
    CS_DATA_LF,
    CS_TR_START, /* start of a trailer line, or the final CRLF */
    CS_TR_NAME,
    CS_TR_VALUE,
    CS_TR_LF,
    CS_END_LF, /* the LF of the final CRLF */
    CS_DONE,
    CS_ERROR
};

void
http_chunked_init(struct http_chunked *c, uint64_t max_body)
{
    memset(c, 0, sizeof(*c));
    c->state = CS_SIZE_START;
    c->max_body = max_body;
}

/* The chunk size is complete: refuse it at once if the body would exceed
 * its limit, before any of its data is read. */
static int
end_of_size(struct http_chunked *c)
{
    return c->remaining > c->max_body - c->body ? 413 : 0;
}

/* One byte of a chunk-size line; 0 or the error status. */
static int
step_size_line(struct http_chunked *c, unsigned char ch)
{
    switch (c->state) {
    case CS_SIZE_START:
    case CS_SIZE:
        if (IS(ch, C_HEX)) {
            if (++c->digits > 16)
                return 400;
            c->remaining = c->remaining << 4 | (uint64_t)codec_hex_digit(ch);
            c->state = CS_SIZE;
            return 0;
        }
        if (c->state == CS_SIZE_START || (ch != ';' && ch != '\r'))
            return 400;
        c->state = ch == ';' ? CS_EXT_NAME_START : CS_SIZE_LF;
        return end_of_size(c);
    case CS_EXT_NAME_START:
    case CS_EXT_VAL_START:
        if (IS(ch, C_TCHAR))
            c->state = c->state == CS_EXT_NAME_START ? CS_EXT_NAME : CS_EXT_TOKEN;
        else if (ch == '"' && c->state == CS_EXT_VAL_START)
            c->state = CS_EXT_QUOTED;
        else
            return 400;
        return 0;
    case CS_EXT_NAME:
    case CS_EXT_TOKEN:
    case CS_EXT_AFTER_QUOTE:
        if (IS(ch, C_TCHAR) && c->state != CS_EXT_AFTER_QUOTE)
            return 0;
        if (ch == '=' && c->state == CS_EXT_NAME)
            c->state = CS_EXT_VAL_START;
        else if (ch == ';')
            c->state = CS_EXT_NAME_START;
        else if (ch == '\r')
            c->state = CS_SIZE_LF;
        else
            return 400;
        return 0;
    case CS_EXT_QUOTED:
        if (ch == '"')
            c->state = CS_EXT_AFTER_QUOTE;
        else if (ch == '\\')
            c->state = CS_EXT_QUOTED_ESC;
        else if (!IS(ch, C_QDTEXT))
            return 400;
        return 0;
    case CS_EXT_QUOTED_ESC:
        if (!IS(ch, C_VALUE))
            return 400;
        c->state = CS_EXT_QUOTED;
        return 0;
    case CS_SIZE_LF:
        if (ch != '\n')
            return 400;
        c->state = c->remaining == 0 ? CS_TR_START : CS_DATA;
        return 0;
    default:
        return 400;
    }
}

/* One byte after the data of a chunk or in the trailer section. */
static int
step_after_data(struct http_chunked *c, unsigned char ch)
{
    switch (c->state) {
    case CS_DATA_CR:
        if (ch != '\r')
            return 400;
        c->state = CS_DATA_LF;
        return 0;
    case CS_DATA_LF:
        if (ch != '\n')
            return 400;
        c->state = CS_SIZE_START;
        c->digits = 0;
        c->line = 0;
        return 0;
    case CS_TR_START:
        if (ch == '\r')
            c->state = CS_END_LF;
        else if (IS(ch, C_TCHAR))
            c->state = CS_TR_NAME;
        else
            return 400;
        return 0;
    case CS_TR_NAME:
        if (ch == ':')
            c->state = CS_TR_VALUE;
        else if (!IS(ch, C_TCHAR))
            return 400;
        return 0;
    case CS_TR_VALUE:
        if (ch == '\r')
            c->state = CS_TR_LF;
        else if (!IS(ch, C_VALUE))
            return 400;
        return 0;
    case CS_TR_LF:
    case CS_END_LF:
        if (ch != '\n')
            return 400;
        c->state = c->state == CS_TR_LF ? CS_TR_START : CS_DONE;
        return 0;
    default:
        return 400;
    }
}

int
http_chunked_decode(struct http_chunked *c, char *buf, size_t *len, size_t *consumed)
{
    size_t in = *len, i = 0, out = 0, n;
    int ret = HTTP_CHUNK_AGAIN, st;

    if (c->state == CS_DONE || c->state == CS_ERROR) {
        ret = c->state == CS_DONE ? HTTP_CHUNK_DONE : HTTP_CHUNK_ERROR;
        goto out;
    }
    while (i < in) {
        if (c->state == CS_DATA) {
            /* the only per-chunk copy: slide the data down over the framing */
            n = in - i < c->remaining ? in - i : (size_t)c->remaining;
            memmove(buf + out, buf + i, n);
            out += n;
            i += n;
            c->remaining -= n;
            c->body += n;
            if (c->remaining == 0)
                c->state = CS_DATA_CR;
            continue;
        }
        if (c->state <= CS_SIZE_LF) {
            st = ++c->line > HTTP_MAX_CHUNK_LINE ? 400 : step_size_line(c, (unsigned char)buf[i]);
        } else if (c->state >= CS_TR_START) {
            st = ++c->trailer > HTTP_MAX_TRAILER_BYTES ? 431
                                                       : step_after_data(c, (unsigned char)buf[i]);
        } else {
            st = step_after_data(c, (unsigned char)buf[i]);
        }
        if (st != 0) {
            c->state = CS_ERROR;
            c->status = st;
            ret = HTTP_CHUNK_ERROR;
            break;
        }
        i++;
        if (c->state == CS_DONE) {
            ret = HTTP_CHUNK_DONE;
            break;
        }
    }
out:
    *len = out;
    *consumed = i;
    return ret;
}
