# URL Rewrite rules are compiled when the configuration loads: a pattern
# that is not a valid regular expression, a rewrite map reference and a
# duplicate inherited rule name are errors naming file:line, for certmapd -t
# and certmap validate alike; globalRules are refused in a <location>.
. "$(dirname "$0")/harness.sh"
h_init

rules() { # PATH RULES-XML
    cfg_raw "  <location path=\"$1\">
    <system.webServer><rewrite><rules>
$2
    </rules></rewrite></system.webServer>
  </location>"
}
# a site requiring mapped client certificates, without mappings (nothing to warn about)
base() {
    cfg_reset
    cfg_site "Default Web Site" 1 "$WWW"
    cfg_https "127.0.0.1:$PORT:" server "clientCaFile=\"$PKI/ca.crt\""
    cfg_location "Default Web Site" ssl="Ssl, SslNegotiateCert, SslRequireCert" anon=false certmap=true
}

# expect_t WHAT LINE-OF REGEX: certmapd -t exits 2 and prints REGEX at the
# line of $CFG that LINE-OF (a fixed string) is on; validate agrees.
expect_t() {
    local what=$1 line
    line=$(grep -nF -- "$2" "$CFG" | head -n 1 | cut -d: -f1)
    [ -n "$line" ] || h_fail "$what: '$2' is not in the configuration"
    "$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1
    local rc=$?
    [ $rc = 2 ] || h_fail "$what: certmapd -t exit $rc, expected 2: $(cat "$T/t.out")"
    grep -qE -- "$CFG:$line: $3" "$T/t.out" ||
        h_fail "$what: no line '$CFG:$line: $3' in: $(cat "$T/t.out")"
    "$CERTMAP" -c "$CFG" validate >"$T/v.out" 2>&1 && h_fail "$what: validate succeeds"
    grep -qE -- "^$CFG:$line: $3" "$T/v.out" || h_fail "$what: validate does not say it: $(cat "$T/v.out")"
}

# good rules load
base
rules "Default Web Site" '      <rule name="a" stopProcessing="true">
        <match url="^old/(.*)" />
        <conditions logicalGrouping="MatchAny"><add input="{HTTP_HOST}" pattern="^x$" /></conditions>
        <action type="Redirect" url="/new/{R:1}" redirectType="Found" />
      </rule>'
cfg_write
"$CERTMAPD" -t -c "$CFG" >"$T/t.out" 2>&1 || h_fail "good rules: exit $?: $(cat "$T/t.out")"

# an invalid pattern: the <match> line
base
rules "Default Web Site" '      <rule name="bad">
        <match url="^(unclosed" />
        <action type="Rewrite" url="/x" />
      </rule>'
cfg_write
expect_t "invalid match pattern" 'url="^(unclosed"' 'error: rule: match url of the rule "bad": pattern "\^\(unclosed" is not a valid regular expression'

# an invalid condition pattern: the condition's line
base
rules "Default Web Site" '      <rule name="badcond">
        <match url=".*" />
        <conditions><add input="{QUERY_STRING}" pattern="[a-" /></conditions>
        <action type="AbortRequest" />
      </rule>'
cfg_write
expect_t "invalid condition pattern" 'pattern="[a-"' 'error: rule: condition of the rule "badcond"'

# a rewrite map: not implemented, refused
base
rules "Default Web Site" '      <rule name="map">
        <match url="(.*)" />
        <action type="Rewrite" url="{StaticRewrites:{R:1}}" />
      </rule>'
cfg_write
expect_t "rewrite map" '<rule name="map">' 'error: rule: action url of the rule "map": \{StaticRewrites:...\} names a rewrite map'

# an inherited name added again
base
rules "Default Web Site" '      <rule name="dup"><match url="a" /><action type="None" /></rule>'
rules "Default Web Site/sub" '      <rule name="DUP"><match url="b" /><action type="None" /></rule>'
cfg_write
expect_t "duplicate inherited rule" '<rule name="DUP">' 'error: rule: name: duplicate rewrite rule "DUP"'

# an unknown action type
base
rules "Default Web Site" '      <rule name="t"><match url="a" /><action type="Proxy" /></rule>'
cfg_write
expect_t "unknown action type" 'type="Proxy"' 'error: action: type: '

# globalRules in a location
base
cfg_raw '  <location path="Default Web Site">
    <system.webServer><rewrite><globalRules>
      <rule name="g"><match url="a" /><action type="None" /></rule>
    </globalRules></rewrite></system.webServer>
  </location>'
cfg_write
expect_t "globalRules in a location" '<globalRules>' 'error: '

h_pass
