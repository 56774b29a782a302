#!/bin/sh
# app-writer.sh APP_DIR PSQL: the sandbox shop's order writer, standing in
# for the application. It runs in the background until APP_DIR/stop exists.
#
# Customers place orders by raising the number in APP_DIR/wanted; the writer
# inserts them one by one, numbered, into the database named by the
# connection string in APP_DIR/conninfo (read again before every order, so
# changing that file re-points the app, like a config reload), with the
# password from APP_DIR/pgpass. APP_DIR/written counts the orders the
# database confirmed (committed).
#
# While APP_DIR/MAINTENANCE exists the writer writes nothing: that is the
# maintenance mode of the API. An order that fails (table gone, database
# down) is kept and tried again every 0.2 s, like an outbox; inserting it
# twice is harmless (ON CONFLICT DO NOTHING on the order number).
#
# APP_DIR/state says what it is doing now (writing, idle, paused, failing:
# ERROR); every change and every order is logged on standard output.
app=$1
psql=$2
[ -d "$app" ] && [ -x "$psql" ] || {
	echo "usage: app-writer.sh APP_DIR PSQL" >&2
	exit 2
}
echo $$ >"$app/writer.pid"
PGPASSFILE=$app/pgpass
PGCONNECT_TIMEOUT=2
PGAPPNAME=shop-app
export PGPASSFILE PGCONNECT_TIMEOUT PGAPPNAME
trap 'rm -f "$app/writer.pid"; exit 0' TERM INT

now() {
	date -u '+%H:%M:%S.%3N'
}

state() {
	if [ "$(cat "$app/state" 2>/dev/null)" != "$1" ]; then
		printf '%s\n' "$1" >"$app/state.tmp" && mv "$app/state.tmp" "$app/state"
		printf '%s %s\n' "$(now)" "$1"
	fi
}

written=$(cat "$app/written" 2>/dev/null || echo 0)
items="coffee tea mugs filters beans grinder kettle scale"
while [ -d "$app" ] && [ ! -e "$app/stop" ]; do
	if [ -e "$app/MAINTENANCE" ]; then
		state paused
		sleep 0.1
		continue
	fi
	wanted=$(cat "$app/wanted" 2>/dev/null || echo 0)
	if [ "$written" -ge "$wanted" ]; then
		state idle
		sleep 0.1
		continue
	fi
	n=$((written + 1))
	set -- $items
	shift $((n % $#))
	if out=$("$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$(cat "$app/conninfo")" -c \
	    "INSERT INTO orders (order_no, customer, item, qty)
	     VALUES ($n, 'customer-$((n % 17 + 1))', '$1', $((n % 5 + 1)))
	     ON CONFLICT (order_no) DO NOTHING" 2>&1); then
		written=$n
		printf '%s\n' "$n" >"$app/written.tmp" && mv "$app/written.tmp" "$app/written"
		state writing
		printf '%s order %s written\n' "$(now)" "$n"
	else
		state "failing: $(printf '%s\n' "$out" | sed -n '1{s/^psql: //;p;}')"
		sleep 0.2
	fi
done
state stopped
rm -f "$app/writer.pid"
