# A flood of connections beyond maxConnections (50 here): 200 connections
# opened on the plain http binding; at most 50 stay open, the others are
# closed at once; the accepted ones are still served; once the flood is gone
# a normal request succeeds; a second, larger wave (400) changes nothing; the
# resident memory of certmapd stays bounded.
. "$(dirname "$0")/adv_lib.sh"
h_init
adv_site_anon
H_LIMITS='maxConnections="50" headerTimeoutSeconds="30" idleTimeoutSeconds="30"'
h_start

# State of each of our flood sockets, from the kernel: our end of a
# connection the server closed is in CLOSE_WAIT (08), an open one in
# ESTABLISHED (01).  Prints "fd state" lines.
sock_states() {
    local fd ino
    declare -A st=()
    while read -r ino s; do st[$ino]=$s; done < <(awk 'NR > 1 {print $10, $4}' /proc/net/tcp /proc/net/tcp6)
    for fd in "${FDS[@]}"; do
        ino=$(readlink "/proc/$$/fd/$fd" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
        echo "$fd ${st[$ino]:-gone}"
    done
}

# Connections waiting in the accept queues of port $1 (rx_queue of its
# listening sockets, one per worker).
backlog() {
    local hex q n=0
    hex=$(printf '%04X' "$1")
    for q in $(awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p && $4 == "0A" {
        split($5, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6); do
        n=$((n + 16#$q))
    done
    echo "$n"
}

# Server-side connections of port $1 not closed yet by the server
# (ESTABLISHED or CLOSE_WAIT): they hold a maxConnections slot.
server_held() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" 'FNR > 1 && substr($2, length($2) - 4) == p && ($4 == "01" || $4 == "08")' \
        /proc/net/tcp /proc/net/tcp6 | wc -l
}

# Waits (bounded) until the server took every flood connection from the
# accept queue (a queued connection looks open from our side too) and acted
# on it: at most 50 open, the rest closed.
settle() {
    local i
    for i in $(seq 1 $((100 * H_SLOW))); do
        sock_states >"$T/states"
        [ "$(backlog "$HPORT")" = 0 ] && [ "$(awk '$2 == "01"' "$T/states" | wc -l)" -le 50 ] && return 0
        sleep 0.1
    done
}

# Waits (bounded) until the server has closed its side of every connection we
# closed: their slots are free again.
drained() {
    local i
    for i in $(seq 1 $((100 * H_SLOW))); do
        [ "$(server_held "$HPORT")" = 0 ] && return 0
        sleep 0.1
    done
    h_fail "the server still holds $(server_held "$HPORT") connections $((10 * H_SLOW)) s after the clients closed them"
}

FDS=()
flood() { # N
    local i fd
    for ((i = 0; i < $1; i++)); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$HPORT" || h_fail "connect $i failed (listen backlog exhausted?)"
        FDS+=("$fd")
    done
}
unflood() {
    local fd
    for fd in "${FDS[@]}"; do exec {fd}>&-; done
    FDS=()
}

rss0=$(adv_rss)
flood 200
sleep $((1 * H_SLOW))
settle
sock_states >"$T/states"
open=$(awk '$2 == "01"' "$T/states" | wc -l)
closed=$(awk '$2 == "08" || $2 == "gone" || $2 == "07"' "$T/states" | wc -l)
h_log "200 connections: $open open, $closed closed by the server"
[ "$open" -le 50 ] || h_fail "$open of 200 connections stay open with maxConnections=50"
[ "$closed" -ge 150 ] || h_fail "only $closed of 200 connections closed (open $open): $(cut -d' ' -f2 "$T/states" | sort | uniq -c | tr '\n' ' ')"
[ "$open" -ge 40 ] || h_fail "only $open connections accepted, expected up to 50"
rss1=$(adv_rss)

# The accepted ones are served: a request on five of them.
n=0
for fd in $(awk '$2 == "01" {print $1}' "$T/states" | head -n 5); do
    printf 'GET /a.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&"$fd"
    resp=$(timeout $((5 * H_SLOW)) cat <&"$fd" | head -c 200)
    case $resp in
    "HTTP/1.1 200"*) n=$((n + 1)) ;;
    *) h_fail "accepted connection fd $fd not served: '$(printf '%s' "$resp" | head -n 1 | cat -v)'" ;;
    esac
done
[ "$n" = 5 ] || h_fail "only $n of 5 accepted connections served"

# Flood gone: the slots come back.
unflood
drained
req - https://localhost:$PORT/a.txt
expect_status 200
req - http://127.0.0.1:$HPORT/a.txt
expect_status 200

# A second wave, larger, then a normal request after it.
flood 400
sleep $((1 * H_SLOW))
settle
sock_states >"$T/states"
open=$(awk '$2 == "01"' "$T/states" | wc -l)
h_log "400 connections: $open open"
[ "$open" -le 50 ] || h_fail "second wave: $open of 400 connections open with maxConnections=50"
rss2=$(adv_rss)
unflood
drained
for i in 1 2 3; do
    req - http://127.0.0.1:$HPORT/a.txt
    expect_status 200
done
rss3=$(adv_rss)
h_log "VmRSS KiB: start $rss0, 200-flood $rss1, 400-flood $rss2, after $rss3"
# 50 open connections cost at most a few hundred KiB each even under ASan;
# what matters is that refused connections cost nothing that stays.
[ $((rss2 - rss0)) -le $((32 * 1024 * H_SLOW)) ] || h_fail "VmRSS grew by $((rss2 - rss0)) KiB during the floods"
[ $((rss3 - rss0)) -le $((32 * 1024 * H_SLOW)) ] || h_fail "VmRSS grew by $((rss3 - rss0)) KiB after the floods"
adv_pass
