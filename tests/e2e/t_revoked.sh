# A certificate revoked by the binding's crlFile: 403.13, even when mapped;
# certificates of the same CA that are not revoked still work.
. "$(dirname "$0")/harness.sh"
h_init
h_std
cfg_map revoked alice alice-pw
h_start

req revoked /
expect_status 403 13
expect_body_lacks "certmap e2e site A"
expect_log 1 - 403 13 /

req alice /
expect_status 200
expect_log 1 alice 200 0 /

h_stop
h_pass
