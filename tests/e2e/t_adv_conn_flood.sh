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
sleep 0.5
req - https://localhost:$PORT/a.txt
expect_status 200
req - http://127.0.0.1:$HPORT/a.txt
expect_status 200

# A second wave, larger, then a normal request after it.
flood 400
sleep $((1 * H_SLOW))
sock_states >"$T/states"
open=$(awk '$2 == "01"' "$T/states" | wc -l)
h_log "400 connections: $open open"
[ "$open" -le 50 ] || h_fail "second wave: $open of 400 connections open with maxConnections=50"
rss2=$(adv_rss)
unflood
sleep 0.5
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
