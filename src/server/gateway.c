/*
 * gateway.c - the buffer work both gateway protocols share (gateway.h):
 * body bytes taken from the client's read buffer, and room made in a
 * buffer that is written from its front and filled at its end.
 */
#include "gateway.h"

#include <string.h>

#include "conn.h"

void
gateway_take_client(struct conn *c, size_t n)
{
    size_t at = c->head_len;

    memmove(c->rbuf + at, c->rbuf + at + n, c->rlen - at - n);
    c->rlen -= (uint32_t)n;
}

uint32_t
gateway_room(char *buf, uint32_t cap, uint32_t *len, uint32_t *pos, bool *moved)
{
    if (*pos == *len) {
        if (moved != NULL && *len > 0)
            *moved = true;
        *pos = *len = 0;
    } else if (*pos > 0 && cap - *len < cap / 4) {
        if (moved != NULL)
            *moved = true;
        memmove(buf, buf + *pos, *len - *pos);
        *len -= *pos;
        *pos = 0;
    }
    return cap - *len;
}

uint32_t
gateway_client_room(struct conn *c)
{
    return gateway_room(c->wbuf, c->wcap, &c->wlen, &c->wpos, NULL);
}
