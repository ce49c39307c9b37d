# Request paths that try to leave the physical path: "..", percent-encoded
# dots, slashes and backslashes, overlong UTF-8, NUL, double escaping,
# symbolic links leading out, very long paths.  None returns a file outside
# the root (a sentinel file beside it, /etc/passwd); each gets the status
# src/server/static.h documents: 400 for a refused path, 404.11 for double
# escaping, 404 for a link leading out, 414 for a path beyond 4096 bytes.
. "$(dirname "$0")/adv_lib.sh"
h_init
OUTSIDE="OUTSIDE-SENTINEL-$$"
printf '%s\n' "$OUTSIDE" >"$T/secret.txt"
mkdir -p "$T/outdir"
printf '%s\n' "$OUTSIDE" >"$T/outdir/s.txt"
printf 'hello static\n' >"$WWW/a.txt"
mkdir -p "$WWW/sub/deep"
printf 'sub\n' >"$WWW/sub/s.txt"
ln -s a.txt "$WWW/inside.txt"               # inside: allowed
ln -s ../secret.txt "$WWW/out.txt"          # relative, leads out
ln -s "$T/secret.txt" "$WWW/abs.txt"        # absolute, leads out
ln -s "$T/outdir" "$WWW/outdir"             # directory leading out
ln -s ../.. "$WWW/sub/deep/up"              # .. chain: root, then out
ln -s ../../../secret.txt "$WWW/sub/deep/x" # relative through the root
ln -s /etc/passwd "$WWW/passwd.txt"
ln -s /proc/self/root/etc/passwd "$WWW/magic.txt"
cfg_site "Default Web Site" 1
cfg_https "127.0.0.1:$PORT:"
cfg_location "Default Web Site" anon=true certmap=false
h_start

# check PATH STATUS [SUBSTATUS]
check() {
    req - "$1"
    [ "$STATUS" = "$2" ] ||
        h_fail "$1: HTTP $STATUS, expected $2${3:+.$3} (static.h); body: $(head -c 200 "$T/body" | tr '\n' ' ')"
    [ -z "${3-}" ] || grep -qF "HTTP Error $2.$3" "$T/body" || h_fail "$1: HTTP $2 but not $2.$3"
    expect_body_lacks "$OUTSIDE"
    expect_body_lacks "root:x:0:0"
}

# Controls: ordinary escapes and an inside link work.
check /%61.txt 200
check /inside.txt 200
check /sub/s.txt 200

# Dot segments, raw and encoded, in every spelling.
for p in /../secret.txt /../../../../etc/passwd /sub/../../secret.txt /./a.txt /sub/./s.txt \
    /sub/.. /%2e%2e/secret.txt /%2E%2E/secret.txt /.%2e/secret.txt /%2e./secret.txt \
    /%2e/a.txt /sub/%2e%2e/%2e%2e/secret.txt /sub/%2e%2e; do
    check "$p" 400 0
done
# Encoded separators.
for p in /..%2fsecret.txt /%2e%2e%2fsecret.txt /sub%2fs.txt /sub%2F..%2F..%2Fsecret.txt \
    /..%5csecret.txt /sub%5c..%5c..%5csecret.txt /%5c%5c127.0.0.1%5cc$; do
    check "$p" 400 0
done
# Overlong and invalid UTF-8: %c0%ae is an overlong '.', %c0%af an overlong
# '/', %e0%80%ae a three-byte overlong '.', %c1%9c an overlong '\'.
for p in /%c0%ae%c0%ae/secret.txt /%c0%ae./secret.txt /..%c0%afsecret.txt /%c0%afetc%c0%afpasswd \
    /%e0%80%ae%e0%80%ae/secret.txt /..%c1%9csecret.txt /%f0%80%80%ae%f0%80%80%ae/secret.txt \
    /%ff/a.txt /%c0/a.txt /a%ed%a0%80.txt; do
    check "$p" 400 0
done
# NUL and control characters.
for p in /a.txt%00 /a.txt%00.html /%00/../secret.txt /a%0a.txt /a%0d%0a.txt /a%7f.txt; do
    check "$p" 400 0
done
# Double escaping (IIS allowDoubleEscaping=false): 404.11.
for p in /%252e%252e/secret.txt /%252e%252e%252fsecret.txt /a%2525.txt; do
    check "$p" 404 11
done
# Symbolic links leaving the root: 404.0, the same answer as a missing file.
for p in /out.txt /abs.txt /outdir/s.txt /outdir/ /sub/deep/up/secret.txt /sub/deep/x /passwd.txt \
    /magic.txt /nonexistent.txt; do
    check "$p" 404 0
done
# A file with a trailing slash: 404.
check /a.txt/ 404 0
# Very long paths: a 4000-byte path of existing-looking segments is a plain
# 404; beyond 4096 bytes 414; beyond the 8192-byte request line 414 too.
long=""
while [ ${#long} -lt 3990 ]; do long+="/sub"; done
check "$long/s.txt" 404 0
long=""
while [ ${#long} -lt 5000 ]; do long+="/%2e%2e"; done
req - "$long/secret.txt"
case $STATUS in
400 | 414) ;;
*) h_fail "5000-byte path of /%2e%2e: HTTP $STATUS, expected 400 or 414" ;;
esac
expect_body_lacks "$OUTSIDE"
check "/$(printf 'a%.0s' $(seq 1 5000))" 414
check "/$(printf 'a%.0s' $(seq 1 9000))" 414
long=""
while [ ${#long} -lt 4090 ]; do long+="/sub"; done
req - "$long/../../../../secret.txt"
case $STATUS in
400 | 414) ;;
*) h_fail "4100-byte path ending in ../: HTTP $STATUS, expected 400 or 414" ;;
esac
expect_body_lacks "$OUTSIDE"

# Backslash and other raw bytes curl will send as they are.
check '/sub\..\..\secret.txt' 400
check '/..\secret.txt' 400

# HEAD and a query string change nothing.
req - /%2e%2e/secret.txt -I
[ "$STATUS" = 400 ] || h_fail "HEAD /%2e%2e/secret.txt: HTTP $STATUS, expected 400"
check '/out.txt?x=/../a.txt' 404 0

# The server still works.
check /a.txt 200
adv_pass
