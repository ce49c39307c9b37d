/*
 * gateway.c - what both gateway protocols share (gateway.h): the pump that
 * moves bytes between the client, the exchange's buffers and the back end,
 * body bytes taken from the client's read buffer, and room made in a
 * buffer that is written from its front and filled at its end.
 */
#include "gateway.h"

#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "respond.h"
#include "upstream.h"

/* Sends pre, then ubuf.  -1 with why when the connection failed before the back end answered. */
static int
send_back(struct gateway_xchg *gx, bool *progress)
{
    ssize_t n;

    while (gx->pre_pos < gx->pre_len || gx->upos < gx->ulen) {
        bool pre = gx->pre_pos < gx->pre_len;
        n = pre ? upstream_write(gx->up, gx->pre + gx->pre_pos, gx->pre_len - gx->pre_pos)
                : upstream_write(gx->up, gx->ubuf + gx->upos, gx->ulen - gx->upos);
        if (n == UPSTREAM_AGAIN)
            return 0;
        if (n < 0) {
            if (gx->answered)
                return 0; /* it answered without reading everything: the rest is not wanted */
            snprintf(gx->why, sizeof(gx->why), "sending: %s", gx->up->why);
            return -1;
        }
        if (pre)
            gx->pre_pos += (size_t)n;
        else
            gx->upos += (uint32_t)n;
        *progress = true;
    }
    return 0;
}

/* Reads from the back end into dbuf, while the response wants more.  -1 with why. */
static int
recv_back(struct gateway_xchg *gx, bool *progress)
{
    ssize_t n;

    if (gx->up_eof || gx->resp_done)
        return 0;
    if (gateway_room(gx->dbuf, gx->dcap, &gx->dlen, &gx->dpos, NULL) == 0)
        return 0; /* full: the client must take some first */
    n = upstream_read(gx->up, gx->dbuf + gx->dlen, gx->dcap - gx->dlen);
    if (n == UPSTREAM_AGAIN)
        return 0;
    if (n == UPSTREAM_ERR) {
        snprintf(gx->why, sizeof(gx->why), "%s", gx->up->why);
        return -1;
    }
    *progress = true;
    if (n == 0) {
        gx->up_eof = true; /* the protocol's answer() says whether that ends or breaks it */
        return 0;
    }
    gx->got_reply = true;
    gx->dlen += (uint32_t)n;
    return 0;
}

enum proxy_pump
gateway_pump(struct conn *c, struct gateway_xchg *gx)
{
    const struct gateway_ops *ops = c->gw;
    bool progress = false;
    enum proxy_pump r;
    int e;

    if (gx->connecting) {
        e = upstream_establish(gx->up);
        if (e == UPSTREAM_AGAIN)
            return PROXY_BLOCKED;
        if (e != 0) {
            snprintf(gx->why, sizeof(gx->why), "%s", gx->up->why);
            return PROXY_FAILED;
        }
        gx->connecting = false;
        progress = true;
    }
    if (ops->fill(c, &progress) != 0 || send_back(gx, &progress) != 0 ||
        recv_back(gx, &progress) != 0)
        return PROXY_FAILED;
    r = ops->answer(c, &progress);
    if (r != PROXY_BLOCKED)
        return r;
    /* the client went away before its body was complete: nothing more can come */
    if (c->eof && !gx->req_done && c->rlen == c->head_len) {
        snprintf(gx->why, sizeof(gx->why), "the client closed before sending its whole body");
        return PROXY_FAILED;
    }
    return progress ? PROXY_PROGRESS : PROXY_BLOCKED;
}

int
gateway_fail_answer(struct conn *c, bool started, bool body_done, int status, int substatus)
{
    if (started)
        return -1;
    if (!body_done)
        c->close_after = true;
    c->body_left = 0;
    c->body_chunked = false;
    respond_error(c, status, substatus, NULL);
    return 0;
}

const char *
gateway_why(const struct gateway_xchg *gx, const char *why)
{
    if (why != NULL)
        return why;
    return gx->why[0] != '\0' ? gx->why : "failed";
}

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
