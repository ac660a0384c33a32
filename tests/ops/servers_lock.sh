# tests/ops/servers_lock.sh - sourced by the ops tests that start servers of their own.
# LOCK is the test servers' lock; held_by_ancestor says whether a caller (an ancestor
# process, e.g. "flock LOCK make test") already holds it, so that the test takes it only
# when nobody above it did (taking it again would wait for itself).
LOCK=${MB_SERVERS_LOCK:-/tmp/mentorbot-servers.lock}
held_by_ancestor() {
	local ino holders p h
	[ -e "$LOCK" ] && [ -r /proc/locks ] || return 1
	ino=$(stat -c %i "$LOCK")
	holders=$(awk -v ino="$ino" '$2 == "FLOCK" { n = split($6, a, ":"); if (a[n] == ino) print $5 }' /proc/locks)
	p=$$
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		for h in $holders; do [ "$h" = "$p" ] && return 0; done
		p=$(ps -o ppid= -p "$p" | tr -d ' ')
	done
	return 1
}
