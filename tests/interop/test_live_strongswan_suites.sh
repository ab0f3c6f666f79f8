#!/bin/bash
# fpvpnd against strongSwan charon across the algorithm list (docs/testing.md):
# for each IKE proposal charon insists on (AES-CBC-128/256 and AES-GCM-128/
# 256; PRF/integrity SHA-1, SHA-256, SHA-384, SHA-512; DH groups 14, 15, 16,
# 19, 20, 21, 31) charon initiates, fpvpnd (several crypto ikev2 policies,
# `set pfs`) answers: `show crypto ikev2 sa` names what was chosen, pings
# cross both ways; then charon rekeys the child with PFS (CREATE_CHILD_SA
# with KE, group 14 or 19) and `show crypto ipsec sa` says `PFS Group N`,
# pings cross on the new pair. The child of IKE_AUTH carries a DH transform
# in charon's proposal: fpvpnd must ignore it there (RFC 7296 1.2).
#   bash tests/interop/test_live_strongswan_suites.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/strongswan.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-ss-suites
ss_require
nt_require ping iputils-ping

ss_fpvpnd_topo
ss_fpvpnd_conf "$NT_WORK/a.conf"
# every algorithm fpvpnd has, in two policies (GCM has no integrity)
cat >>"$NT_WORK/a.conf" <<EOT
crypto ikev2 policy 20
 encryption aes-gcm-256 aes-gcm
 integrity null
 group 19 20 21 31 14 15 16
 prf sha512 sha384 sha256 sha
crypto ikev2 policy 30
 encryption aes-256 aes
 integrity sha512 sha384 sha256 sha
 group 19 20 21 31 14 15 16
EOT
nt_start a "$NT_WORK/a.conf"
ss_conf b "$NT_WORK/ss-b" "$SS_B_OUT_IP" "$SS_A_OUT_IP" 198.18.12.0/24 198.18.11.0/24 ssb.test "$SS_A_OUT_IP"
ss_start b "$SS_B"

ping_both() {
	ip netns exec "$SS_B" ping -n -q -c 3 -i 0.1 -W 2 -I "$SS_B_LAN" "$SS_A_LAN" >"$NT_WORK/ping-ss.txt" 2>&1
	nt_check "$1: pings charon's LAN -> fpvpnd's inside" grep -q ' 3 received' "$NT_WORK/ping-ss.txt"
	nt_in a ping -n -q -c 3 -i 0.1 -W 2 -I "$SS_A_LAN" "$SS_B_LAN" >"$NT_WORK/ping-fp.txt" 2>&1
	nt_check "$1: pings fpvpnd's inside -> charon's LAN" grep -q ' 3 received' "$NT_WORK/ping-fp.txt"
}

vici="unix://$NT_WORK/ss-b/charon.vici"
# charon's proposal | the child (its PFS group) | what fpvpnd's show crypto ikev2 sa says
while IFS='|' read -r prop child pfs want; do
	[ -n "$prop" ] || continue
	nt_say "charon insists on $prop, child $child"
	sed -i "s/^        proposals = .*/        proposals = $prop/" "$NT_WORK/ss-b/swanctl.conf"
	swanctl --load-all --noprompt --file "$NT_WORK/ss-b/swanctl.conf" --uri "$vici" >"$NT_WORK/load.log" 2>&1 ||
		{ cat "$NT_WORK/load.log"; nt_die "swanctl --load-all"; }
	printf 'configure terminal\ncrypto map CM 10 set pfs group%s\nend\n' "$pfs" | nt_cli_lines a >/dev/null
	ss_initiate "$child" b
	f=$(nt_show a "ike-$child-${prop%%-*}" show crypto ikev2 sa)
	nt_check "$prop: fpvpnd chose $want" grep -q -- "$want" "$f"
	grep -E 'Encr:' "$f" | sed 's/^ */     fpvpnd: /'
	ping_both "$prop"
	spi0=$(nt_cli a show crypto ipsec sa | awk '/current inbound spi/ { print $NF }')
	swanctl --rekey --child "$child" --uri "$vici" >/dev/null 2>&1 || nt_die "swanctl --rekey"
	for _ in $(seq 50); do
		spi=$(nt_cli a show crypto ipsec sa | awk '/current inbound spi/ { print $NF }')
		[ -n "$spi" ] && [ "$spi" != "$spi0" ] && break
		sleep 0.1
	done
	f=$(nt_show a "sa-$child-${prop%%-*}" show crypto ipsec sa)
	nt_check "$prop: the child rekeyed with PFS (SPI $spi0 -> $spi)" test -n "$spi" -a "$spi" != "$spi0"
	nt_check "$prop: show crypto ipsec sa says PFS Group $pfs" grep -q "PFS Group $pfs, IKEv2" "$f"
	nt_check "$prop: the new pair OFFLOADED" grep -q 'in use settings.*OFFLOADED' "$f"
	ping_both "$prop after the rekey"
	ss_terminate b
	for _ in $(seq 30); do nt_cli a show crypto ikev2 sa | grep -q READY || break; sleep 0.1; done
done <<'EOT'
aes128-sha1-modp3072|pfs14|14|Encr: AES-CBC, keysize: 128, Hash: SHA96, DH Grp:15
aes256-sha512-modp4096|pfs14|14|Encr: AES-CBC, keysize: 256, Hash: SHA512, DH Grp:16
aes128gcm16-prfsha256-ecp256|pfs19|19|Encr: AES-GCM, keysize: 128, Hash: SHA256, DH Grp:19
aes256gcm16-prfsha384-ecp384|pfs19|19|Encr: AES-GCM, keysize: 256, Hash: SHA384, DH Grp:20
aes256-sha384-ecp521|pfs14|14|Encr: AES-CBC, keysize: 256, Hash: SHA384, DH Grp:21
aes256gcm16-prfsha512-curve25519|pfs19|19|Encr: AES-GCM, keysize: 256, Hash: SHA512, DH Grp:31
aes256-sha256-modp2048|pfs14|14|Encr: AES-CBC, keysize: 256, Hash: SHA256, DH Grp:14
EOT
ss_stop b
nt_check "fpvpnd alive" nt_alive a
nt_done
