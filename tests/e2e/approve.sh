#!/usr/bin/env bash
# approve.sh: the two-person rule against other local users. Two throwaway
# accounts made here (root only: useradd, runuser; removed at the end) ask
# a driving `drconsole run` to approve its steps over the incident's
# rendezvous socket: the kernel says who they are (--operator does not),
# the driver's own login is refused, only named approvers (or the group
# drconsole-approvers when the runbook names none) are accepted, refusals
# are journaled and the approver exits non-zero with the reason. A FIFO, a
# link or a folder planted where the rendezvous lives never blocks the run
# nor redirects anything: notes keep being journaled. Every wait polls with
# a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
[ "$(id -u)" -eq 0 ] || skip_all "not root: two throwaway accounts cannot be made"
for tool in useradd userdel groupadd groupdel gpasswd runuser; do
	command -v "$tool" > /dev/null || skip_all "no $tool: two throwaway accounts cannot be made"
done
fresh_session || skip_all "this session's audit login uid is set and cannot be unset: every login it runs is its own"
scratch_dir
GROUP=drconsole-approvers
A=drca$$
B=drcb$$
made_group=
# The stand-in for /tmp: sticky and world-writable, as /tmp is; the
# approvers run a copy of the binary from it (they cannot enter $SCRATCH).
RDV=$(mktemp -d /tmp/drc-rdv.XXXXXX) || die "mktemp failed"
accounts_cleanup() {
	tui_cleanup
	userdel "$A" 2> /dev/null
	userdel "$B" 2> /dev/null
	[ -n "$made_group" ] && groupdel "$GROUP" 2> /dev/null
	rm -rf "$RDV"
}
trap accounts_cleanup EXIT
chmod 1777 "$RDV"
mkdir -m 755 "$RDV/bin" && cp "$DRCONSOLE" "$RDV/bin/drconsole" || die "cannot copy the binary"
BIN=$RDV/bin/drconsole
export TMPDIR=$RDV
useradd -M -s /bin/sh "$A" && useradd -M -s /bin/sh "$B" || skip_all "useradd failed"
if ! getent group "$GROUP" > /dev/null; then
	groupadd "$GROUP" || skip_all "groupadd failed"
	made_group=1
fi
gpasswd -a "$A" "$GROUP" > /dev/null || die "cannot put $A in $GROUP"

# as USER CMD...: runs CMD as USER from /, with the shared TMPDIR.
as() {
	_u=$1
	shift
	(cd / && timeout 120 runuser -u "$_u" -- env TMPDIR="$RDV" "$@")
}

# start NAME RUNBOOK [ARGS]: a line-mode run in the background, incident $SCRATCH/NAME.
start() {
	_n=$1 _rb=$2
	shift 2
	timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/$_n" "$@" "$_rb" < /dev/null \
		> "$SCRATCH/$_n.out" 2>&1 &
	RUN=$!
	track_pid $RUN
}

# ended RC_WANTED NAME: the background run ended with that status, in time.
ended() {
	if wait_for "! alive $RUN" 20; then
		wait $RUN
		_rc=$?
	else
		_rc=hung
	fi
	[ "$_rc" = "$1" ] && pass "the $2 run ended $1" || { fail "the $2 run ended $_rc"; show "$SCRATCH/$2.out"; }
}

# --- no approvers named: the group decides ---

cat > "$SCRATCH/group.yaml" << EOF
id: grp
title: Group approval
objectives: { rto: 4h, rpo: 15m }
steps:
  - { id: drop, title: Drop, run: "touch $SCRATCH/dropped", confirm: approval }
EOF
"$DRCONSOLE" lint "$SCRATCH/group.yaml" > "$SCRATCH/lint.out" 2>&1
grep -q "warning: step 'drop' needs approval but the runbook names no approvers.*drconsole-approvers" \
	"$SCRATCH/lint.out" && pass "lint warns that the runbook names no approvers" ||
	{ fail "no lint warning"; show "$SCRATCH/lint.out"; }

start g "$SCRATCH/group.yaml"
J=$SCRATCH/g/journal.jsonl
SOCK=$RDV/drconsole-approve-g/approve.sock
wait_for "[ -S '$SOCK' ]" 10 && pass "the console listens at the rendezvous" || fail "no socket at $SOCK"
! as "$A" test -r "$SCRATCH/g" && pass "the approver cannot read the incident folder" ||
	fail "the incident folder is readable by $A"
bad=$(find "$RDV" -mindepth 1 -perm -o+w ! -type s)
[ -z "$bad" ] && pass "nothing drconsole made is world-writable (but the socket, to connect)" ||
	fail "world-writable: $bad"
[ "$(stat -c %a "$RDV/drconsole-approve-g")" = 755 ] && pass "the rendezvous folder is 0755" ||
	fail "rendezvous mode $(stat -c %a "$RDV/drconsole-approve-g")"
# The old drop box's attack: a FIFO (or anything) planted inside it.
as "$B" mkfifo "$RDV/drconsole-approve-g/drop.1.json" 2> /dev/null ||
	as "$B" ln -s /etc/shadow "$RDV/drconsole-approve-g/x" 2> /dev/null &&
	fail "another login could plant a file in the rendezvous" || pass "nobody else can plant anything in the rendezvous"

"$BIN" approve "$SCRATCH/g" drop > "$SCRATCH/self.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "refused: the driver's own login cannot approve" "$SCRATCH/self.out" &&
	pass "the driver's own approval is refused, exit 1 with the reason" ||
	{ fail "self-approval: exit $rc"; show "$SCRATCH/self.out"; }

as "$B" "$BIN" approve --operator "$A" g drop > "$SCRATCH/b.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "refused: $B is not in the group $GROUP" "$SCRATCH/b.out" &&
	pass "a login outside the group is refused, exit 1 with the reason (--operator changes nothing)" ||
	{ fail "outsider: exit $rc"; show "$SCRATCH/b.out"; }
grep -q "\"approval.refused\".*\"by\":\"root\".*driver's own login" "$J" &&
	pass "the self-approval refusal is journaled" || { fail "self refusal not journaled"; show "$J"; }
grep -q "\"approval.refused\".*\"by\":\"$B\".*\"uid\":$(id -u "$B").*not in the group" "$J" &&
	pass "the outsider's refusal is journaled with its kernel-given login and why" ||
	{ fail "outsider refusal not journaled"; show "$J"; }
[ ! -e "$SCRATCH/dropped" ] && pass "nothing ran on a refused approval" || fail "the step ran"

as "$A" "$BIN" approve --operator root "$SCRATCH/g" drop > "$SCRATCH/a.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q "journaled it as approved by $A" "$SCRATCH/a.out" &&
	pass "a member of $GROUP approves through a folder it cannot read" ||
	{ fail "member: exit $rc"; show "$SCRATCH/a.out"; }
ended 0 g
[ -e "$SCRATCH/dropped" ] && pass "the approved step ran" || fail "the approved step did not run"
grep -q "\"step.approved\".*\"approved_by\":\"$A\",\"kernel\":{\"uid\":$(id -u "$A")" "$J" &&
	pass "the approval is journaled with the login the kernel gave" || { fail "approval journal"; show "$J"; }
grep '"step.approved"' "$J" | grep -q '"approved_by":"root"' &&
	fail "--operator root was recorded as the approver" || pass "--operator cannot change who is recorded"
[ ! -e "$RDV/drconsole-approve-g" ] && pass "the rendezvous is removed when the run ends" ||
	fail "the rendezvous outlived the run"
"$DRCONSOLE" verify "$SCRATCH/g" > /dev/null && pass "the journal verifies" || fail "verify"

# --- a keyed incident: an approver without its key is refused, exit 2 ---

sed "s|$SCRATCH/dropped|$SCRATCH/kdropped|" "$SCRATCH/group.yaml" > "$SCRATCH/keyed.yaml"
export DRCONSOLE_JOURNAL_KEY=s3cret
start k "$SCRATCH/keyed.yaml"
unset DRCONSOLE_JOURNAL_KEY
J=$SCRATCH/k/journal.jsonl
wait_for "[ -S '$RDV/drconsole-approve-k/approve.sock' ]" 10 || fail "no socket for the keyed incident"
for key in "" wrong; do
	as "$A" env DRCONSOLE_JOURNAL_KEY="$key" "$BIN" approve k drop > "$SCRATCH/k.out" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] && grep -q "refused: this incident's journal is keyed" "$SCRATCH/k.out" &&
		pass "keyed, approver with ${key:-no} key: refused, exit 2 with the reason" ||
		{ fail "keyed, approver with ${key:-no} key: exit $rc"; show "$SCRATCH/k.out"; }
done
[ "$(grep -c '"approval.refused".*journal is keyed' "$J")" -eq 2 ] &&
	pass "both refusals are journaled" || { fail "keyed refusals not journaled"; show "$J"; }
[ ! -e "$SCRATCH/kdropped" ] && pass "nothing ran without the key" || fail "the keyed step ran"
as "$A" env DRCONSOLE_JOURNAL_KEY=s3cret "$BIN" approve k drop > "$SCRATCH/k.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "with the key the approval is taken" || { fail "with the key: exit $rc"; show "$SCRATCH/k.out"; }
ended 0 k
DRCONSOLE_JOURNAL_KEY=s3cret "$DRCONSOLE" verify "$SCRATCH/k" > "$SCRATCH/k.verify" 2>&1 &&
	pass "the keyed journal verifies" || { fail "the keyed journal does not verify"; show "$SCRATCH/k.verify"; }

# --- named approvers: the step's list, else the environment's, else the runbook's ---

cat > "$SCRATCH/named.yaml" << EOF
id: named
title: Named approvers
objectives: { rto: 4h, rpo: 15m }
approvers: [$A]
environments:
  staging: { approvers: ["@$GROUP", $B] }
steps:
  - { id: one, title: One, run: "true", confirm: approval }
  - { id: two, title: Two, run: "true", confirm: approval, approvers: [$B] }
EOF
"$DRCONSOLE" lint "$SCRATCH/named.yaml" > "$SCRATCH/lint2.out" 2>&1 &&
	! grep -q "names no approvers" "$SCRATCH/lint2.out" && pass "lint is quiet when approvers are named" ||
	{ fail "lint of named approvers"; show "$SCRATCH/lint2.out"; }
start n "$SCRATCH/named.yaml"
J=$SCRATCH/n/journal.jsonl
wait_for "[ -S '$RDV/drconsole-approve-n/approve.sock' ]" 10 || fail "no socket for n"
as "$B" "$BIN" approve n one > "$SCRATCH/n1.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "refused: $B is not among the approvers ($A)" "$SCRATCH/n1.out" &&
	pass "the runbook's list refuses a login it does not name" || { fail "exit $rc"; show "$SCRATCH/n1.out"; }
as "$A" "$BIN" approve n two > "$SCRATCH/n2.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "not among the approvers ($B)" "$SCRATCH/n2.out" &&
	pass "the step's own list overrides the runbook's" || { fail "exit $rc"; show "$SCRATCH/n2.out"; }
as "$A" "$BIN" approve n one > /dev/null 2>&1 && as "$B" "$BIN" approve n two > /dev/null 2>&1 &&
	pass "each named approver approves" || fail "named approvers refused"
ended 0 n
[ "$(grep -c '"step.approved"' "$J")" -eq 2 ] && [ "$(grep -c '"approval.refused"' "$J")" -eq 2 ] &&
	pass "two approvals and two refusals journaled" || { fail "journal of n"; show "$J"; }

start s "$SCRATCH/named.yaml" --environment staging
wait_for "[ -S '$RDV/drconsole-approve-s/approve.sock' ]" 10 || fail "no socket for s"
as "$A" "$BIN" approve s one > "$SCRATCH/s1.out" 2>&1 &&
	pass "the environment's @group lets a member approve" || { fail "@group member"; show "$SCRATCH/s1.out"; }
as "$A" "$BIN" approve s one > "$SCRATCH/s1b.out" 2>&1 && grep -q "already approved by $A" "$SCRATCH/s1b.out" &&
	pass "a second approval of the same step says it is already approved" || { fail "again"; show "$SCRATCH/s1b.out"; }
as "$A" "$BIN" approve s two > /dev/null 2>&1 && fail "the step's list lost to the environment's" ||
	pass "the step's list still wins over the environment's"
as "$B" "$BIN" approve s two > /dev/null 2>&1 || fail "$B could not approve step two"
ended 0 s
[ "$(grep -c '"step.approved"' "$SCRATCH/s/journal.jsonl")" -eq 2 ] && pass "a repeated approval is journaled once" ||
	fail "repeated approval journaled again"

# --- the driver under another name: sudo, or the login the session began as ---

UA=$(id -u "$A")
SUDO_UID=$UA timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/sudo" "$SCRATCH/named.yaml" \
	< /dev/null > "$SCRATCH/sudo.out" 2>&1 &
RUN=$!
track_pid $RUN
wait_for "[ -S '$RDV/drconsole-approve-sudo/approve.sock' ]" 10 || fail "no socket for sudo"
as "$A" "$BIN" approve sudo one > "$SCRATCH/sudo.a" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "comes from $A, who started (sudo) the driving console" "$SCRATCH/sudo.a" &&
	pass "the login that started the console through sudo cannot approve it" ||
	{ fail "sudo: exit $rc"; show "$SCRATCH/sudo.a"; }
kill -INT $RUN
ended 1 sudo

if sh -c "echo $UA > /proc/self/loginuid" 2> /dev/null; then
	sh -c "echo $UA > /proc/self/loginuid && exec timeout 60 '$DRCONSOLE' run --yes --incident-dir '$SCRATCH/login' \
		--environment staging '$SCRATCH/named.yaml'" < /dev/null > "$SCRATCH/login.out" 2>&1 &
	RUN=$!
	track_pid $RUN
	wait_for "[ -S '$RDV/drconsole-approve-login/approve.sock' ]" 10 || fail "no socket for login"
	as "$A" "$BIN" approve login one > "$SCRATCH/login.a" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "comes from $A, who logged in to start the driving console" "$SCRATCH/login.a" &&
		pass "the login the driver's session began as cannot approve" ||
		{ fail "loginuid: exit $rc"; show "$SCRATCH/login.a"; }
	# $A's session switching to $B (sudo -u, su, runuser) is still $A.
	(cd / && sh -c "echo $UA > /proc/self/loginuid && exec timeout 120 runuser -u '$B' -- env TMPDIR='$RDV' \
		'$BIN' approve login one") > "$SCRATCH/login.b" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "comes from $A" "$SCRATCH/login.b" &&
		pass "the driver's session cannot approve under another login" ||
		{ fail "loginuid via runuser: exit $rc"; show "$SCRATCH/login.b"; }
	as "$B" "$BIN" approve login one > /dev/null 2>&1 && pass "a second person's own session still approves" ||
		fail "$B refused"
	wait_for "grep -q 'drconsole approve .*/login two' '$SCRATCH/login.out'" 10 || fail "step two never waited"
	kill -INT $RUN
	ended 1 login
	grep -q "\"approval.refused\".*\"loginuid\":$UA" "$SCRATCH/login/journal.jsonl" &&
		pass "the refusal journals the session's login uid" || fail "no loginuid journaled"
else
	note "cannot set an audit login uid here: the login-session checks are skipped"
fi

# --- planted things where the rendezvous lives ---

mkdir -m 700 "$RDV/rootdir"
for kind in fifo link folder; do
	p=$RDV/drconsole-approve-p$kind
	case $kind in
	fifo) as "$B" mkfifo "$p" ;;
	link) as "$B" ln -s "$RDV/rootdir" "$p" ;;
	folder) as "$B" mkdir -m 755 "$p" ;;
	esac
	start "p$kind" "$SCRATCH/group.yaml"
	J=$SCRATCH/p$kind/journal.jsonl
	wait_for "grep -q 'approvals cannot be taken: .*not a folder of ours' '$SCRATCH/p$kind.out'" 10 &&
		pass "a planted $kind: the driver is told approvals cannot be taken" ||
		{ fail "a planted $kind: no word to the driver"; show "$SCRATCH/p$kind.out"; }
	timeout 120 "$DRCONSOLE" note "$SCRATCH/p$kind" "still here after the $kind" > /dev/null 2>&1
	wait_for "grep -q 'still here after the $kind' '$J'" 10 &&
		pass "a planted $kind: notes are still journaled (nothing blocks)" ||
		{ fail "a planted $kind: the note was not journaled"; show "$SCRATCH/p$kind.out"; }
	as "$A" "$BIN" approve "p$kind" drop > "$SCRATCH/p$kind.a" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "not delivered" "$SCRATCH/p$kind.a" &&
		pass "a planted $kind: the approver is told, exit 1, and asks nobody" ||
		{ fail "a planted $kind: approver exit $rc"; show "$SCRATCH/p$kind.a"; }
	kill -INT $RUN
	ended 1 "p$kind"
	grep -q '"step.approved"' "$J" && fail "a planted $kind: something approved" ||
		pass "a planted $kind: nothing approved"
done
# --- the console, with a FIFO planted at its rendezvous ---

if command -v tmux > /dev/null; then
	as "$B" mkfifo "$RDV/drconsole-approve-tui"
	tmux_start "$DRCONSOLE" --incident-dir "$SCRATCH/tui" "$SCRATCH/group.yaml"
	trap accounts_cleanup EXIT
	expect_screen "Start the run" "the console opens"
	keys Enter
	expect_screen "approvals cannot be taken" "the console says approvals cannot be taken"
	timeout 120 "$DRCONSOLE" note "$SCRATCH/tui" "console still here" > /dev/null 2>&1
	wait_for "grep -q 'console still here' '$SCRATCH/tui/journal.jsonl'" 10 &&
		pass "a planted fifo: the console still journals notes" || fail "the console's note was not journaled"
	keys Enter
	expect_screen "Waiting for a second operator's approval" "the console still answers keys"
else
	note "no tmux: the console part is skipped"
fi
[ -z "$(ls -A "$RDV/rootdir")" ] && [ "$(stat -c %a "$RDV/rootdir")" = 700 ] &&
	pass "the link was not followed: its target is untouched" || fail "the link's target was changed"
[ "$(stat -c %U "$RDV/drconsole-approve-pfolder")" = "$B" ] && [ -z "$(ls -A "$RDV/drconsole-approve-pfolder")" ] &&
	pass "the planted folder is left alone, nothing put in it" || fail "the planted folder was used"
finish
