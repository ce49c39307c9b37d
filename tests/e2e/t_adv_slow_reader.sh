# A client that requests a large file and never reads the response does not
# hold the connection: once the socket buffers are full and no byte moves
# for idleTimeoutSeconds (2 here), certmapd closes it, over TLS and plain
# HTTP; the file is streamed, not buffered (memory stays flat); the server
# keeps serving.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
truncate -s 256M "$WWW/big.bin"
H_LIMITS='idleTimeoutSeconds="2" headerTimeoutSeconds="10"'
h_start
LIMIT_MS=$((2000 + 3000 * H_SLOW)) # the timeout, plus filling the buffers, plus slack

# Server-side sockets of port $1 in state ESTABLISHED (01), from the kernel.
server_established() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" 'NR > 1 && substr($2, length($2) - 4) == p && $4 == "01"' /proc/net/tcp | wc -l
}

rss0=$(adv_rss)
# Plain: /dev/tcp, never read.
exec {fd}<>"/dev/tcp/127.0.0.1/$HPORT" || h_fail "connect failed"
printf 'GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n' 1>&"$fd"
plain_est=$(server_established "$HPORT") # connected by the exec above: no wait
# TLS: s_client writes into a FIFO nobody reads, so it stops reading the socket.
mkfifo "$T/sink"
exec {sink}<>"$T/sink"
printf 'GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n' |
    openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername localhost >"$T/sink" 2>/dev/null &
H_BG_PIDS+=($!)
t0=$(adv_now_us)
# s_client runs in the background: wait (bounded) until it has connected.
for _ in $(seq 1 $((50 * H_SLOW))); do
    [ "$(server_established "$PORT")" = 1 ] && break
    sleep 0.1
done
[ "$plain_est" = 1 ] || h_fail "plain: the server side of the connection is not established"
[ "$(server_established "$PORT")" = 1 ] || h_fail "TLS: the server side of the connection is not established"
sleep 0.5 # memory is measured while the server sends, not before it started
rss1=$(adv_rss)

for p in "$HPORT" "$PORT"; do
    while [ "$(server_established "$p")" != 0 ]; do
        el=$((($(adv_now_us) - t0) / 1000))
        [ "$el" -le "$LIMIT_MS" ] ||
            h_fail "port $p: the server still holds a connection whose client reads nothing after $el ms (idle timeout 2 s)"
        sleep 0.1
    done
done
h_log "both stalled connections closed after $((($(adv_now_us) - t0) / 1000)) ms; VmRSS KiB: $rss0 before, $rss1 while sending"
[ $((rss1 - rss0)) -le $((16 * 1024 * H_SLOW)) ] || h_fail "VmRSS grew by $((rss1 - rss0)) KiB for a 256 MiB file: buffered, not streamed?"
exec {fd}>&- {sink}>&-

req - https://localhost:$PORT/a.txt
expect_status 200
adv_pass
