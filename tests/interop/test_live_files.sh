#!/bin/bash
# The files fpvpnd reads and writes, with fpvpnd A under the systemd unit's
# own filesystem restrictions (docs/cli.md "write memory", docs/captures.md
# "copy /pcap", docs/configuration.md "Errors", packaging/fpvpnd.service).
#
# systemd is not PID 1 on a test machine, so the unit's ProtectSystem= and
# ReadWritePaths= are applied by hand, read from the unit file itself: A runs
# in a mount namespace of its own where /usr, /boot, /efi (and /etc for
# "full") are read-only but for the ReadWritePaths folders. /etc there is an
# overlay on the host's, so the unit's /etc/fpvpn exists without touching
# the host: its files lie in $NT_WORK/rw/etc/fpvpn.
#
#   netns A: fpvpnd -c /etc/fpvpn/fpvpn.conf     (the unit's ExecStart path)
#            /etc/fpvpn/fpvpn.conf -> site-a.conf (a symbolic link)
#   1. the sandbox holds: /etc and /usr refuse a write, /etc/fpvpn takes one
#   2. configure terminal + write memory: [OK]; site-a.conf replaced (new
#      inode, 0600, no .tmp left), the link kept; the file loads back
#   3. copy /pcap: a new file is 0600; an existing file and symbolic links
#      (to a file, to nothing) are refused with the reason and left alone
#   4. fpvpnd refuses unreadable and inconsistent files, status 1 and the
#      message: -c /dev/zero, -c a directory, a crypto map naming a missing
#      access-list (FILE:LINE of the entry)
#   bash tests/interop/test_live_files.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
UNIT=$NT_ROOT/packaging/fpvpnd.service
nt_init "${1:?usage: $0 BUILD_DIR}" live-files
nt_require unshare util-linux
grep -q overlay /proc/filesystems || nt_skip "no overlay filesystem: cannot give /etc a private layer"

# unit_values KEY: the values of every KEY= line of the unit, one a line.
unit_values() { sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | sed '/^$/d'; }
PROTECT=$(unit_values ProtectSystem | tail -1)
mapfile -t RW < <(unit_values ReadWritePaths | sed 's/^[-+]//')
CONF=$(unit_values ExecStart | grep -A1 -x -- -c | tail -1)
case $PROTECT in
full) RO=(/usr /boot /efi /etc) ;;
yes | true) RO=(/usr /boot /efi) ;;
*) nt_die "ProtectSystem=$PROTECT: this test applies yes or full only; teach it the new value" ;;
esac
nt_say "the unit: ProtectSystem=$PROTECT, ReadWritePaths=${RW[*]}, -c $CONF"
nt_check "the configuration's folder $(dirname "$CONF") is in ReadWritePaths" \
	grep -qx -- "$(dirname "$CONF")" <(printf '%s\n' "${RW[@]}")

# sandbox.sh CMD...: CMD under the unit's read-only and read-write paths.
# The configuration's folder is there even when the unit does not make it
# writable (then read-only, as systemd would leave it), so that such a unit
# fails at write memory, not at start.
SANDBOX=$NT_WORK/sandbox.sh
CONFDIR=$(dirname "$CONF")
mkdir -p "$NT_WORK/ov/up" "$NT_WORK/ov/work" "$NT_WORK/rw$CONFDIR"
for d in "${RW[@]}"; do mkdir -p "$NT_WORK/rw$d"; done
{
	echo '#!/bin/bash'
	echo 'set -e'
	echo "[ -z \"\$FP_SANDBOXED\" ] && FP_SANDBOXED=1 exec unshare -m --propagation private \"\$0\" \"\$@\""
	echo "mount -t overlay fp-etc -o lowerdir=/etc,upperdir=$NT_WORK/ov/up,workdir=$NT_WORK/ov/work /etc"
	for d in "${RW[@]}" "$CONFDIR"; do echo "mkdir -p '$d'"; done
	for d in "${RO[@]}"; do
		[ -d "$d" ] || continue
		[ "$d" = /etc ] || echo "mount --bind '$d' '$d'"
		echo "mount -o remount,bind,ro '$d'"
	done
	for d in "${RW[@]}"; do echo "mount --bind '$NT_WORK/rw$d' '$d'"; done
	if ! printf '%s\n' "${RW[@]}" | grep -qx -- "$CONFDIR"; then
		echo "mount --bind '$NT_WORK/rw$CONFDIR' '$CONFDIR'"
		echo "mount -o remount,bind,ro '$CONFDIR'"
	fi
	echo 'exec "$@"'
} >"$SANDBOX"
chmod 755 "$SANDBOX"
printf '#!/bin/bash\nexec %q %q "$@"\n' "$SANDBOX" "$NT_FPVPND" >"$NT_WORK/fpvpnd-sandboxed"
chmod 755 "$NT_WORK/fpvpnd-sandboxed"

nt_say "1. the sandbox holds"
probe() { nt_in a "$SANDBOX" touch "$1" 2>&1; }
out=$(probe /etc/fpvpn-probe)
nt_check "/etc is read-only (${out:-writable})" grep -q "Read-only file system" <<<"$out"
out=$(probe /usr/fpvpn-probe)
nt_check "/usr is read-only (${out:-writable})" grep -q "Read-only file system" <<<"$out"
out=$(probe "$(dirname "$CONF")/probe")
nt_check "$(dirname "$CONF") is writable${out:+ ($out)}" test -e "$NT_WORK/rw$(dirname "$CONF")/probe"
rm -f "$NT_WORK/rw$(dirname "$CONF")/probe"
nt_check "the host's /etc untouched" test ! -e /etc/fpvpn-probe

nt_say "2. write memory through a link, under the unit's restrictions"
HOSTDIR=$NT_WORK/rw$CONFDIR
SITE=$HOSTDIR/site-a.conf
nt_topo_up
nt_conf a "$SITE"
ln -s site-a.conf "$NT_WORK/rw$CONF"
ino0=$(stat -c %i "$SITE")
REAL_FPVPND=$NT_FPVPND
NT_FPVPND=$NT_WORK/fpvpnd-sandboxed
nt_start a "$CONF"
NT_FPVPND=$REAL_FPVPND
out=$(printf 'configure terminal\nhostname files-written\nend\nwrite memory\n' | nt_cli_lines a 2>&1)
echo "$out" | sed 's/^/     /' | tail -3
nt_check "write memory: [OK]" grep -q '\[OK\]' <<<"$out"
nt_check "$CONF is still a link to site-a.conf" test "$(readlink "$NT_WORK/rw$CONF")" = site-a.conf
nt_check "site-a.conf holds the new hostname" grep -qx "hostname files-written" "$SITE"
nt_check "site-a.conf replaced by rename (inode $ino0 -> $(stat -c %i "$SITE"))" \
	test "$(stat -c %i "$SITE")" != "$ino0"
nt_check "site-a.conf is 0600 (got $(stat -c %a "$SITE"))" test "$(stat -c %a "$SITE")" = 600
nt_check "no temporary left in $(dirname "$CONF")" test -z "$(ls "$HOSTDIR" | grep '\.tmp$')"
nt_check "the keys were written (2 session-key lines)" \
	test "$(grep -c 'set session-key' "$SITE")" = 2
out=$("$NT_FPVPND" -c "$SITE" --offline --exec "show running-config" 2>&1)
nt_check "the written file loads back" grep -qx "hostname files-written" <<<"$out"

nt_say "3. copy /pcap"
nt_cli a capture IN interface inside >/dev/null
PC=$NT_WORK/pcap
mkdir "$PC"
echo precious >"$PC/old.pcap"
ln -s old.pcap "$PC/link.pcap"
ln -s nowhere.pcap "$PC/dangling.pcap"
out=$(nt_cli a copy /pcap capture:IN "$PC/new.pcap" 2>&1)
nt_check "a new file is written (${out})" test -f "$PC/new.pcap"
nt_check "a new file is 0600 (got $(stat -c %a "$PC/new.pcap" 2>/dev/null))" \
	test "$(stat -c %a "$PC/new.pcap" 2>/dev/null)" = 600
for f in old link dangling; do
	out=$(nt_cli a copy /pcap capture:IN "$PC/$f.pcap" 2>&1)
	nt_check "$f.pcap refused: $out" grep -q -E "already exists|symbolic link" <<<"$out"
done
nt_check "old.pcap left as it was" test "$(cat "$PC/old.pcap")" = precious
nt_check "nothing made through the dangling link" test ! -e "$PC/nowhere.pcap"
nt_stop a

nt_say "4. files fpvpnd refuses"
refused() { # refused WHAT WANT ARGS...: status 1 and WANT on stderr
	local what=$1 want=$2 out rc
	shift 2
	out=$(timeout 20 "$NT_FPVPND" "$@" 2>&1 >/dev/null)
	rc=$?
	echo "     $out"
	nt_check "$what: status 1 (got $rc)" test "$rc" = 1
	nt_check "$what: the message names it" grep -qF -- "$want" <<<"$out"
}
refused "-c /dev/zero" "fpvpnd: /dev/zero:1: " -c /dev/zero
refused "-c a directory" "fpvpnd: $NT_WORK:1: read error: Is a directory" -c "$NT_WORK"
sed 's/match address VPN/match address NOPE/' "$SITE" >"$NT_WORK/bad.conf"
line=$(grep -n 'crypto map CM 10 ' "$NT_WORK/bad.conf" | head -1 | cut -d: -f1)
refused "a missing access-list" \
	"fpvpnd: $NT_WORK/bad.conf:$line: crypto map CM 10: access-list NOPE does not exist" \
	-c "$NT_WORK/bad.conf"
nt_done
