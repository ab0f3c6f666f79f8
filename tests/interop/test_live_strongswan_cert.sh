#!/bin/bash
# fpvpnd against strongSwan charon with certificates (RFC 7427 signatures,
# CERT/CERTREQ) and IKE fragments (RFC 7383) forced on both sides.
#
#  netns $NT_A (fpvpnd)                                netns $SS_B (charon)
#  inside TUN tun-in 198.18.11.1/24                    lo 198.18.12.1/32 (LAN 198.18.12.0/24)
#  outside veth fpa-out 198.18.10.1/24 ============== ssb-out 198.18.10.2/24
#
# A CA made here with the openssl CLI signs fpvpnd's certificate (DN
# O=fpvpn, CN=site-a, the ID fpvpnd sends: ID_DER_ASN1_DN) and charon's
# (CN=ssb.test, identified by FQDN from its subjectAltName). charon has
# fragment_size = 400 and fragmentation = force, fpvpnd
# `crypto ikev2 fragmentation mtu 400`, so each IKE_AUTH goes in
# fragments both ways. For RSA-2048 keys (charon signing PKCS#1 v1.5,
# then RSASSA-PSS), then ECDSA P-256 keys: charon
# initiates, then fpvpnd initiates on traffic; pings both ways, fpvpnd's
# `show crypto ipsec sa` OFFLOADED, and both sides' logs and counters show
# fragments sent and reassembled. Last, charon's certificate from another CA
# of the same name is refused, counted and logged by its reason.
#   bash tests/interop/test_live_strongswan_cert.sh BUILD_DIR   (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
. "$(dirname "$0")/../netns/strongswan.sh"
build=${1:?usage: $0 BUILD_DIR}

nt_init "$build" live-strongswan-cert
ss_require
nt_require ping iputils-ping
nt_require openssl openssl

# pki_make DIR ALG: the CA (ECDSA) and both certificates (lib.sh's makers)
pki_make() {
	nt_ca_make "$1" ecdsa
	nt_cert_make "$1" site-a "/O=fpvpn/CN=site-a" "IP:$SS_A_OUT_IP" "${2%-pss}"
	nt_cert_make "$1" ssb "/O=fpvpn/CN=ssb.test" "DNS:ssb.test" "${2%-pss}"
}

# charon: certificates next to swanctl.conf (swanctl reads x509/, x509ca/,
# private/ there), pubkey both ways, fragments forced
ss_conf_cert() {
	local d=$1 pki=$2 pss=${3:-no}
	ss_conf b "$d" "$SS_B_OUT_IP" "$SS_A_OUT_IP" 198.18.12.0/24 198.18.11.0/24 ssb.test "$SS_A_OUT_IP"
	mkdir -p "$d/x509" "$d/x509ca" "$d/private"
	cp "$pki/ssb.crt" "$d/x509/"
	cp "$pki/ca.crt" "$d/x509ca/"
	cp "$pki/ssb.key" "$d/private/"
	sed -i -e 's/^\(\s*load = .*\) pem /\1 pem pkcs8 /' \
		-e "s/^\(\s*port_nat_t = 4500\)\$/\1\n    fragment_size = 400\n    rsa_pss = $pss/" "$d/strongswan.conf"
	cat >"$d/swanctl.conf" <<EOF
connections {
    ss {
        version = 2
        local_addrs = $SS_B_OUT_IP
        remote_addrs = $SS_A_OUT_IP
        proposals = aes256-sha256-x25519
        encap = yes
        fragmentation = force
        local {
            auth = pubkey
            certs = ssb.crt
            id = ssb.test
        }
        remote {
            auth = pubkey
            id = "O=fpvpn, CN=site-a"
        }
        children {
            net {
                local_ts = 198.18.12.0/24
                remote_ts = 198.18.11.0/24
                mode = tunnel
                esp_proposals = aes256gcm16
                start_action = none
            }
        }
    }
}
EOF
}

# fpvpnd: ss_fpvpnd_conf's lines with a trustpoint instead of the keys
fp_conf_cert() {
	local f=$1 pki=$2
	ss_fpvpnd_conf "$f"
	sed -i -e "s|^ ikev2 remote-authentication pre-shared-key .*| ikev2 remote-authentication certificate|" \
		-e "s|^ ikev2 local-authentication pre-shared-key .*| ikev2 local-authentication certificate TP|" "$f"
	cat >>"$f" <<EOF
crypto ca trustpoint TP
 enrollment terminal
 certificate-file $pki/site-a.crt
 private-key-file $pki/site-a.key
 ca-file $pki/ca.crt
crypto ikev2 fragmentation mtu 400
EOF
}

# ping_ok FILE CMD...: 3 pings answered, the run tried twice (a loaded
# host lost one of the first pings on a fresh SA once in five runs; said when so)
ping_ok() {
	local f=$1; shift
	"$@" >"$f" 2>&1 && grep -q ' 3 received' "$f" && return 0
	echo "     $(grep -o '[0-9]* received' "$f"), pinging again"
	"$@" >"$f" 2>&1 && grep -q ' 3 received' "$f"
}

pings() {
	local tag=$1
	nt_check "$tag: pings charon's LAN -> fpvpnd's inside" ping_ok "$NT_WORK/ping-ss-$tag.txt" \
		ip netns exec "$SS_B" ping -n -q -c 3 -i 0.1 -W 2 -I "$SS_B_LAN" "$SS_A_LAN"
	nt_check "$tag: pings fpvpnd's inside -> charon's LAN" ping_ok "$NT_WORK/ping-fp-$tag.txt" \
		nt_in a ping -n -q -c 3 -i 0.1 -W 2 -I "$SS_A_LAN" "$SS_B_LAN"
	local f; f=$(nt_show a "sa-$tag" show crypto ipsec sa)
	nt_check "$tag: fpvpnd's SAs OFFLOADED" grep -q 'in use settings.*OFFLOADED' "$f"
}

# stat_of LABEL: a counter of fpvpnd's show crypto ikev2 stats
stat_of() { nt_cli a show crypto ikev2 stats | awk -v l="$1" 'index($0, l) { print $NF; exit }'; }

ss_fpvpnd_topo
# rsa-pss: charon signs with RSASSA-PSS too (rsa_pss = yes), its own encoding of the parameters
for alg in rsa rsa-pss ecdsa; do
	nt_say "certificates: $alg"
	pki=$NT_WORK/pki-$alg
	pki_make "$pki" "$alg"
	fp_conf_cert "$NT_WORK/a-$alg.conf" "$pki"
	nt_start a "$NT_WORK/a-$alg.conf"
	rm -rf "$NT_WORK/ss-b"
	ss_conf_cert "$NT_WORK/ss-b" "$pki" "$([ "$alg" = rsa-pss ] && echo yes || echo no)"
	SS_LOG_IKE=2 ss_start b "$SS_B"

	ss_initiate net b
	pings "$alg-charon-initiates"
	ss_terminate b
	sleep 0.3
	nt_cli a clear crypto ikev2 sa >/dev/null 2>&1 || true
	nt_in a ping -n -q -c 3 -i 0.3 -W 1 -I "$SS_A_LAN" "$SS_B_LAN" >/dev/null 2>&1
	for _ in $(seq 50); do
		ss_sas b | grep -q INSTALLED && break
		sleep 0.1
	done
	nt_check "$alg: charon answered fpvpnd's IKE_SA_INIT (its SA marked _r*)" \
		sh -c "swanctl --list-sas --uri unix://$NT_WORK/ss-b/charon.vici | grep -q '_r\*'"
	pings "$alg-fpvpnd-initiates"
	kind=RSA && [ "$alg" = ecdsa ] && kind=ECDSA
	f=$(nt_show a "ikesa-$alg" show crypto ikev2 sa)
	nt_check "$alg: show crypto ikev2 sa says Auth sign: $kind, Auth verify: $kind" \
		grep -q "Auth sign: $kind, Auth verify: $kind" "$f"

	log=$NT_WORK/ss-b/charon.log
	nt_check "$alg: charon authenticated fpvpnd by its certificate" \
		grep -q "authentication of 'O=fpvpn, CN=site-a' with .* successful" "$log"
	grep -E "authentication of .* successful|splitting IKE message|reassembled fragmented" "$log" |
		sed 's/^.*\] /     charon: /' | sort | uniq -c | sed 's/^ */     /'
	nt_check "$alg: charon sent IKE_AUTH in fragments" grep -q 'splitting IKE message' "$log"
	nt_check "$alg: charon reassembled fpvpnd's fragments" grep -q 'reassembled fragmented IKE message' "$log"
	sent=$(stat_of "Messages sent in fragments:") got=$(stat_of "Messages reassembled:")
	nt_check "$alg: fpvpnd sent $sent messages in fragments and reassembled $got" \
		test "${sent:-0}" -ge 2 -a "${got:-0}" -ge 2
	fails=$(stat_of "Authentication Failures:")
	nt_check "$alg: no authentication failure at fpvpnd ($fails)" test "${fails:-1}" = 0
	ss_terminate b
	ss_stop b
	[ "$alg" = ecdsa ] || nt_stop a
done

nt_say "charon's certificate from another CA (same name): refused by name"
rogue=$NT_WORK/pki-rogue
pki_make "$rogue" ecdsa
rm -rf "$NT_WORK/ss-b"
ss_conf_cert "$NT_WORK/ss-b" "$rogue"
cp "$pki/ca.crt" "$NT_WORK/ss-b/x509ca/fpvpnd-ca.crt" # charon still trusts fpvpnd's
ss_start b "$SS_B"
swanctl --initiate --ike ss --child net --timeout 10 --uri "unix://$NT_WORK/ss-b/charon.vici" \
	>"$NT_WORK/initiate-rogue.log" 2>&1 || true
chain=$(stat_of "peer certificate chain does not verify")
nt_check "fpvpnd counted the refusal by its reason ($chain)" test "${chain:-0}" = 1
nt_check "fpvpnd logged OpenSSL's reason for the chain" grep -q "peer certificate /O=fpvpn/CN=ssb.test: chain refused: unable to get local issuer certificate" "${NT_LOG[a]}"
nt_check "charon got AUTHENTICATION_FAILED" grep -q "AUTHENTICATION_FAILED" "$NT_WORK/ss-b/charon.log"
nt_check "no SA up" sh -c "! swanctl --list-sas --uri unix://$NT_WORK/ss-b/charon.vici | grep -q ESTABLISHED"
ss_stop b
nt_stop a
nt_done
