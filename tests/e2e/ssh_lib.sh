# ssh_lib.sh: a fleet of private sshd servers on 127.0.0.1, one per host
# name, each on its own port, with throwaway host and user keys, no PAM and
# no system config (Debian's openssh-server, run as root). Nothing here
# touches ~/.ssh: the fleet's ssh config and known_hosts live in DIR.
#
# Sourced by a bash test:
#   . "$top_srcdir/tests/e2e/ssh_lib.sh"
#   ssh_fleet_start "$SCRATCH/fleet" db1 db2 db3 || skip_all "cannot run sshd"
#   ssh -F "$SCRATCH/fleet/ssh_config" db1 true
#   ssh_host_down "$SCRATCH/fleet" db3        # its port is closed from now on
#   ssh_fleet_stop "$SCRATCH/fleet"
# Or run (the C unit tests do):  bash ssh_lib.sh start DIR NAME... | stop DIR
#   | down DIR NAME | watch DIR PID
#
# DIR gets userkey (the client's key), known_hosts (every server's key, as
# ssh looks it up: [127.0.0.1]:PORT), ssh_config (Host NAME with HostName,
# Port, User, IdentityFile, IdentitiesOnly, UserKnownHostsFile), hosts
# (NAME PORT lines), and NAME/ with each server's config, pid and log.
# The hosts are logged into as the local user, or as SSH_FLEET_USER when
# set (an account of this machine; ssh_fleet_start then lets it read
# DIR/authorized_keys, which sshd opens as that user, and DIR's parents
# must let it through).
# Exits 77 (run) or returns 77 (sourced) when sshd or ssh is missing.

SSH_SSHD=${SSH_SSHD:-/usr/sbin/sshd}

ssh_have_tools() {
	[ -x "$SSH_SSHD" ] && command -v ssh > /dev/null && command -v ssh-keygen > /dev/null
}

# _ssh_start_one DIR NAME: an sshd on a free port; tries other ports when
# the one picked is taken. Debian's sshd daemonises before it binds: a taken
# port is not its exit status (0) but "Address already in use" in its log
# and no pid file, which is what is waited for.
_ssh_start_one() {
	local dir=$1 name=$2 port tries=0
	mkdir -p "$dir/$name"
	while [ "$tries" -lt 30 ]; do
		tries=$((tries + 1))
		port=$((20000 + RANDOM % 40000))
		cat > "$dir/$name/sshd_config" <<-EOF
			Port $port
			ListenAddress 127.0.0.1
			HostKey $dir/hostkey
			AuthorizedKeysFile $dir/authorized_keys
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			PermitRootLogin prohibit-password
			PidFile $dir/$name/sshd.pid
			MaxStartups 200
			MaxSessions 50
			PrintMotd no
			UseDNS no
		EOF
		rm -f "$dir/$name/sshd.pid" "$dir/$name/sshd.log"
		if "$SSH_SSHD" -f "$dir/$name/sshd_config" -E "$dir/$name/sshd.log"; then
			# The pid file comes once the daemon listens; give a
			# loaded CI machine ten seconds.
			for _ in $(seq 500); do
				if [ -s "$dir/$name/sshd.pid" ]; then
					echo "$port" > "$dir/$name/port"
					return 0
				fi
				_ssh_port_taken "$dir/$name" && break
				sleep 0.02
			done
		fi
		_ssh_port_taken "$dir/$name" || {
			_ssh_why "$dir/$name"
			return 1
		}
	done
	return 1
}

# _ssh_port_taken DIR: that sshd gave up because its port is in use.
_ssh_port_taken() {
	grep -q 'Address already in use\|Cannot bind' "$1/sshd.log" 2> /dev/null
}

# _ssh_why DIR: says on stderr why that sshd did not start (its own log, and
# its verdict on the config), so a failing CI run explains itself.
_ssh_why() {
	echo "# sshd in $1 did not start; its log:" >&2
	sed 's/^/#   /' "$1/sshd.log" >&2 2> /dev/null
	"$SSH_SSHD" -t -f "$1/sshd_config" 2>&1 | sed 's/^/#   sshd -t: /' >&2
}

# ssh_fleet_start DIR NAME...: 0, or 77 when sshd is missing, 1 on failure.
ssh_fleet_start() {
	local dir=$1 name port user key
	shift
	ssh_have_tools || return 77
	# sshd refuses a privilege-separation folder others can write to.
	mkdir -p "$dir" /run/sshd 2> /dev/null && chmod 755 /run/sshd 2> /dev/null
	chmod 700 "$dir"
	[ -n "${SSH_FLEET_USER:-}" ] && chmod 711 "$dir"
	ssh-keygen -q -t ed25519 -N '' -C fleet-host -f "$dir/hostkey" < /dev/null || return 1
	ssh-keygen -q -t ed25519 -N '' -C fleet-user -f "$dir/userkey" < /dev/null || return 1
	cp "$dir/userkey.pub" "$dir/authorized_keys"
	chmod 644 "$dir/authorized_keys"
	key=$(cut -d' ' -f1,2 "$dir/hostkey.pub")
	user=${SSH_FLEET_USER:-$(id -un)}
	: > "$dir/known_hosts"
	: > "$dir/ssh_config"
	: > "$dir/hosts"
	for name in "$@"; do
		_ssh_start_one "$dir" "$name" || { ssh_fleet_stop "$dir"; return 1; }
		port=$(cat "$dir/$name/port")
		echo "[127.0.0.1]:$port $key" >> "$dir/known_hosts"
		echo "$name $port" >> "$dir/hosts"
		cat >> "$dir/ssh_config" <<-EOF
			Host $name
			  HostName 127.0.0.1
			  Port $port
			  User $user
			  IdentityFile $dir/userkey
			  IdentitiesOnly yes
			  UserKnownHostsFile $dir/known_hosts
			  BatchMode yes
		EOF
	done
	return 0
}

# _ssh_alive PID: running, not a zombie (a daemon's parent may be an init
# that never reaps).
_ssh_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# ssh_host_down DIR NAME: stops that host's sshd; its port stays closed.
ssh_host_down() {
	local pidfile=$1/$2/sshd.pid pid n=0
	[ -s "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2> /dev/null
	while _ssh_alive "$pid" && [ "$n" -lt 250 ]; do
		sleep 0.02
		n=$((n + 1))
	done
	kill -9 "$pid" 2> /dev/null
	rm -f "$pidfile"
	return 0
}

# ssh_fleet_stop DIR: stops every server of the fleet.
ssh_fleet_stop() {
	local dir=$1 pidfile
	for pidfile in "$dir"/*/sshd.pid; do
		[ -e "$pidfile" ] || continue
		ssh_host_down "$dir" "$(basename "$(dirname "$pidfile")")"
	done
	return 0
}

# ssh_fleet_watch DIR PID: stops the fleet once PID is gone, from the
# background, so that a test that crashes leaves no sshd running.
ssh_fleet_watch() {
	local dir=$1 pid=$2
	(
		while _ssh_alive "$pid"; do
			sleep 0.5
		done
		ssh_fleet_stop "$dir"
	) < /dev/null > /dev/null 2>&1 &
}

# Run as a command rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	start) shift; ssh_fleet_start "$@"; exit $? ;;
	stop) shift; ssh_fleet_stop "$@"; exit $? ;;
	down) shift; ssh_host_down "$@"; exit $? ;;
	watch) shift; ssh_fleet_watch "$@"; exit 0 ;;
	*) echo "usage: $0 start DIR NAME... | stop DIR | down DIR NAME | watch DIR PID" >&2; exit 2 ;;
	esac
fi
