/* jsonget.c: JSON accessors for journal lines and report models; see
 * jsonget.h. */
#include "clock.h"
#include "jsonget.h"

const char *
jsonget_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int64_t
jsonget_int(json_t *o, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

int64_t
jsonget_ts(json_t *ev)
{
	const char *ts = jsonget_str(ev, "ts");
	int64_t ms;

	if (ts == NULL || clock_parse_timestamp(ts, &ms) != 0)
		return JSONGET_NO_TIME;
	return ms;
}

const char *
jsonget_or_q(const char *s)
{
	return s != NULL ? s : "?";
}

json_t *
jsonget_new_str(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

json_t *
jsonget_new_int(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer((json_int_t)v);
}
