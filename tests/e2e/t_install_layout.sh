#!/usr/bin/env bash
# `make install DESTDIR=... PREFIX=...` lays out what the Debian packages
# ship: programs, man pages, bash completion, the C API (headers,
# libcertmap.a, certmap.pc), the systemd unit naming the
# installed certmapd, logrotate's file, the sample configuration (which
# `certmap validate` accepts but for the files the admin provides, and which
# a second install keeps once changed)
# and the log directory; /etc and /var whatever the prefix.  Installs from
# the build directory CTest runs in (INSTALL_FROM), so nothing is rebuilt.
. "$(dirname "$0")/cli_lib.sh"
cli_init
BUILD=${CERTMAP_BUILDDIR:-$CLI_SRCDIR/build}

install_to() { # DESTDIR PREFIX
    make -s -C "$CLI_SRCDIR" install DESTDIR="$1" PREFIX="$2" INSTALL_FROM="$BUILD" \
        >"$T/install.out" 2>&1 || {
        cat "$T/install.out" >&2
        cli_fail "make install DESTDIR=$1 PREFIX=$2 failed"
    }
}

R=$T/root
install_to "$R" /usr
for f in usr/sbin/certmapd usr/bin/certmap; do
    [ -x "$R/$f" ] || cli_fail "$f is not installed as a program"
done
for f in usr/share/man/man1/certmap.1 usr/share/man/man5/certmap.config.5 \
    usr/share/man/man8/certmapd.8 usr/share/bash-completion/completions/certmap \
    etc/logrotate.d/certmap etc/certmap/applicationHost.config; do
    [ -f "$R/$f" ] || cli_fail "$f is not installed"
done
for f in usr/include/certmap/config.h usr/include/certmap/view.h usr/lib/libcertmap.a; do
    [ -f "$R/$f" ] || cli_fail "$f (the C API) is not installed"
done
grep -qx 'prefix=/usr' "$R/usr/lib/pkgconfig/certmap.pc" || cli_fail "certmap.pc does not name the prefix"
for d in var/log/certmap var/lib/certmap/www; do
    [ -d "$R/$d" ] || cli_fail "$d is not created"
done
unit=$(find "$R" -path '*/systemd/system/certmapd.service')
[ -n "$unit" ] || cli_fail "certmapd.service is not installed"
grep -qx 'ExecStart=/usr/sbin/certmapd -c /etc/certmap/applicationHost.config --foreground' "$unit" ||
    cli_fail "the unit does not start the installed certmapd: $(grep ExecStart= "$unit")"
grep -qx 'ReadWritePaths=/var/log/certmap' "$unit" || cli_fail "the unit's writable path is wrong"
grep -qx 'Type=notify' "$unit" || cli_fail "the unit is not Type=notify"
grep -q 'USR1.*certmapd.service' "$R/etc/logrotate.d/certmap" ||
    cli_fail "logrotate does not signal certmapd.service"

# The sample is valid as installed, but for what the package's dependencies and
# postinst provide (Debian's snakeoil certificate from ssl-cert, the certmap
# user) and the content directory: validate names each of them with its
# file:line and nothing else.
rc=0
"$R/usr/bin/certmap" -c "$R/etc/certmap/applicationHost.config" validate >"$T/v.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 2 ] || cli_fail "certmap validate on the installed sample: exit $rc: $(cat "$T/v.out")"
others=$(grep ': error: ' "$T/v.out" | grep -v -e 'ssl-cert-snakeoil' -e 'no user "certmap"' \
    -e 'no group "certmap"' -e '/var/lib/certmap/www') || true
[ -z "$others" ] || cli_fail "the installed sample has other errors than the files to provide: $others"
grep -q "applicationHost.config:[0-9]*: error: binding: certificateFile: .*ssl-cert-snakeoil.pem" "$T/v.out" ||
    [ -f /etc/ssl/certs/ssl-cert-snakeoil.pem ] ||
    cli_fail "validate does not name the missing snakeoil certificate: $(cat "$T/v.out")"
if grep -q ': warning: ' "$T/v.out"; then
    cli_fail "the installed sample has warnings: $(grep ': warning: ' "$T/v.out")"
fi

# The man pages format without warnings.
if command -v man >/dev/null; then
    for m in usr/share/man/man1/certmap.1 usr/share/man/man5/certmap.config.5 usr/share/man/man8/certmapd.8; do
        w=$(MANWIDTH=80 man --warnings -l "$R/$m" 2>&1 >/dev/null)
        [ -z "$w" ] || cli_fail "$m: $w"
    done
fi

# The completion knows every command `certmap --help` lists, and their options.
run_ok --help
_init_completion() {
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]:-}
}
_filedir() { :; }
. "$R/usr/share/bash-completion/completions/certmap"
offers() { # EXPECTED WORD... : the completion of the last word offers EXPECTED
    local want=$1
    shift
    COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
    _certmap
    printf '%s\n' "${COMPREPLY[@]}" >"$T/offers"
    grep -qx -- "$want" "$T/offers"
}
sed -n 's/^  \([a-z][a-z-]*\)\( \([a-z-]*\)\)\{0,1\}  .*/\1 \3/p' "$OUT" >"$T/commands"
[ "$(wc -l <"$T/commands")" -gt 10 ] || cli_fail "cannot read the commands of certmap --help"
while read -r verb object; do
    offers "$verb" certmap "" || cli_fail "completion lacks the command $verb"
    if [ -n "$object" ]; then
        offers "$object" certmap "$verb" "" || cli_fail "completion lacks $verb $object"
    fi
done <"$T/commands"
for sub in add passwd remove; do
    offers "$sub" certmap account "" || cli_fail "completion lacks account $sub"
done
offers --site certmap add mapping --s || cli_fail "completion lacks add mapping --site"
offers mappings certmap -c x.config list ma || cli_fail "completion after -c FILE"

# A changed configuration survives a second install.
echo '<!-- changed -->' >>"$R/etc/certmap/applicationHost.config"
install_to "$R" /usr
grep -q 'changed' "$R/etc/certmap/applicationHost.config" || cli_fail "a reinstall replaced the configuration"

# Another prefix moves the programs, not /etc/certmap or /var/log/certmap.
R2=$T/opt
install_to "$R2" /opt/certmap
[ -x "$R2/opt/certmap/sbin/certmapd" ] || cli_fail "PREFIX=/opt/certmap: no sbin/certmapd"
[ -f "$R2/etc/certmap/applicationHost.config" ] || cli_fail "PREFIX=/opt/certmap: no /etc/certmap"
grep -qx 'prefix=/opt/certmap' "$R2/opt/certmap/lib/pkgconfig/certmap.pc" ||
    cli_fail "PREFIX=/opt/certmap: certmap.pc does not name /opt/certmap"
grep -q '^ExecStart=/opt/certmap/sbin/certmapd ' "$(find "$R2" -name certmapd.service)" ||
    cli_fail "PREFIX=/opt/certmap: the unit does not name /opt/certmap/sbin/certmapd"
cli_pass
