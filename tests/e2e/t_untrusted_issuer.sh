# A client certificate from a CA outside the binding's clientCaFile: the
# handshake completes and the request gets 403.16.
. "$(dirname "$0")/harness.sh"
h_init
h_std
h_start

req untrusted /
expect_status 403 16
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 16 /

# Still 403.16 when the untrusted certificate is mapped: trust comes first.
h_stop
cfg_map untrusted alice alice-pw
cfg_write
h_start
req untrusted /
expect_status 403 16
expect_log 1 - 403 16 /

h_stop
h_pass
