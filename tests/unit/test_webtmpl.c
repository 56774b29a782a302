/* test_webtmpl.c: where a template stands in a URL or a JSON body, and that
 * each value comes out encoded as exactly one component, one JSON string,
 * or is refused. The round trips decode with libcurl and jansson, the
 * same libraries a server-side reader would trust. */
#include "cmocka_all.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "webtmpl.h"

/* name=value pairs the resolver answers from; "n" is an int param. */
struct vals {
	const char *const *kv;
};

static char *
resolve(void *arg, const char *text, const struct tref *ref, int *number,
    char **cause)
{
	const struct vals *v = arg;

	(void)text;
	*number = strcmp(ref->name, "n") == 0;
	for (int i = 0; v->kv[i] != NULL; i += 2)
		if (strcmp(v->kv[i], ref->name) == 0)
			return strdup(v->kv[i + 1]);
	*cause = strdup("unknown");
	return NULL;
}

static char *
url_with(const char *url, const char *x, char **cause)
{
	const char *kv[] = { "x", x, "n", "8080", "base", "http://127.0.0.1:9/app/", NULL };
	struct vals v = { kv };

	*cause = NULL;
	return webtmpl_expand_url(url, "http,https", resolve, &v, cause);
}

static const char *const hostile[] = {
	"../admin", "a?b=c", "x#frag", "%2e%2e", "a&admin=1", "a/b", "a b+c",
	"\"}, \"admin\": true, \"x\": \"", "line\r\nX-A: 1", "ünï 💥", "{{ x }}",
	"...", "%", NULL
};

/* Decodes the one path segment between prefix and suffix. */
static char *
segment(const char *url, const char *prefix, const char *suffix)
{
	size_t	lp = strlen(prefix), ls = strlen(suffix), n = strlen(url);
	char	*seg, *out;
	int	 len;

	assert_true(n >= lp + ls);
	assert_memory_equal(url, prefix, lp);
	assert_string_equal(url + n - ls, suffix);
	seg = strndup(url + lp, n - lp - ls);
	assert_null(strchr(seg, '/'));
	assert_null(strchr(seg, '?'));
	assert_null(strchr(seg, '#'));
	out = curl_easy_unescape(NULL, seg, 0, &len);
	free(seg);
	seg = strndup(out, (size_t)len);
	curl_free(out);
	return seg;
}

static void
test_path_and_query_components(void **state)
{
	char	*cause, *url, *got, *q;

	(void)state;
	for (int i = 0; hostile[i] != NULL; i++) {
		url = url_with("http://h.example/a/{{ x }}/b", hostile[i], &cause);
		assert_non_null(url);
		got = segment(url, "http://h.example/a/", "/b");
		assert_string_equal(got, hostile[i]);
		free(got);
		free(url);
		url = url_with("http://h.example/a?q={{ x }}&k=v", hostile[i], &cause);
		assert_non_null(url);
		q = strstr(url, "?q=");
		assert_non_null(q);
		got = segment(url, "http://h.example/a?q=", "&k=v");
		assert_string_equal(got, hostile[i]);
		free(got);
		free(url);
	}
}

static void
test_dot_segments_refused(void **state)
{
	const char	*const dots[][2] = {
		{ "http://h/a/{{ x }}/b", ".." }, { "http://h/a/{{ x }}", "." },
		{ "http://h/a/.{{ x }}/b", "." }, { "http://h/{{ x }}%2e/b", "." },
		{ "http://h/{{ x }}{{ x }}/b", "." }, { "http://h/a/{{ x }}?q", "." },
	};
	char		*cause, *url;

	(void)state;
	for (size_t i = 0; i < sizeof dots / sizeof dots[0]; i++) {
		url = url_with(dots[i][0], dots[i][1], &cause);
		assert_null(url);
		assert_non_null(strstr(cause, "path segment '.' or '..'"));
		free(cause);
	}
	/* Not a dot segment: kept, the dots unencoded (they are unreserved). */
	url = url_with("http://h/a/{{ x }}.json", ".", &cause);
	assert_string_equal(url, "http://h/a/..json");
	free(url);
	url = url_with("http://h/a/{{ x }}", "...", &cause);
	assert_string_equal(url, "http://h/a/...");
	free(url);
}

static void
test_authority(void **state)
{
	const char	*const ok[][3] = {
		{ "https://{{ x }}/health", "db1.example.com", "https://db1.example.com/health" },
		{ "https://{{ x }}/health", "10.0.0.1:8443", "https://10.0.0.1:8443/health" },
		{ "https://{{ x }}/health", "[::1]:8443", "https://[::1]:8443/health" },
		{ "http://127.0.0.1:{{ n }}/h", "", "http://127.0.0.1:8080/h" },
		{ "http://{{ x }}.example.com/", "eu-1", "http://eu-1.example.com/" },
		{ "http://{{ x }}:81/", "[::1]", "http://[::1]:81/" },
	};
	const char	*const bad[][2] = {
		{ "https://{{ x }}/health", "evil.com/x?" },
		{ "https://{{ x }}/health", "user:pw@evil.com" },
		{ "https://{{ x }}/health", "evil.com#" },
		{ "https://{{ x }}/health", "h:99999" },
		{ "https://{{ x }}/health", "" },
		{ "http://{{ x }}.example.com/", "evil.com:1" },
		{ "http://{{ x }}.example.com/", "evil.com/" },
		{ "http://{{ x }}.example.com/", "a.b" },
		{ "http://api-{{ x }}/", "1.evil.com" },
		{ "http://127.0.0.1:{{ x }}/", "80/../admin" },
		{ "http://127.0.0.1:{{ x }}/", "0" },
	};
	char		*cause, *url;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		url = url_with(ok[i][0], ok[i][1], &cause);
		assert_non_null(url);
		assert_string_equal(url, ok[i][2]);
		free(url);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		url = url_with(bad[i][0], bad[i][1], &cause);
		assert_null(url);
		assert_non_null(strstr(cause, "the value of {{ x }}"));
		free(cause);
	}
}

static void
test_base_url(void **state)
{
	char	*cause, *url;

	(void)state;
	url = url_with("{{ base }}/health?x={{ x }}", "a&b", &cause);
	assert_string_equal(url, "http://127.0.0.1:9/app/health?x=a%26b");
	free(url);
	url = url_with("{{ x }}", "https://hooks.example.com/T/B?token=1", &cause);
	assert_string_equal(url, "https://hooks.example.com/T/B?token=1");
	free(url);
	/* Text follows: a query or fragment in the base would swallow it. */
	url = url_with("{{ x }}/health", "http://h/?a=", &cause);
	assert_null(url);
	free(cause);
	url = url_with("{{ x }}/health", "file:///etc/passwd", &cause);
	assert_null(url);
	assert_non_null(strstr(cause, "scheme"));
	free(cause);
	url = url_with("{{ x }}", "http://h/ a", &cause);
	assert_null(url);
	free(cause);
	url = url_with("{{ x }}", "not a url", &cause);
	assert_null(url);
	free(cause);
}

static void
test_url_places_refused(void **state)
{
	const char *const bad[] = {
		"{{ x }}s://h/", "http{{ x }}://h/", "https://{{ x }}@h/",
		"https://u:{{ x }}@h/", "http://h:80{{ x }}/", "{{ x }}.example.com/",
		"{{ x }}{{ n }}/", "http://h/a%{{ x }}", "http://h/a%2{{ x }}",
		"h/{{ x }}",
	};
	size_t	off;
	char	*cause;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(webtmpl_check_url(bad[i], &off, &cause), -1);
		assert_non_null(cause);
		assert_true(off <= strlen(bad[i]));
		free(cause);
	}
	assert_int_equal(webtmpl_check_url("http://h/{{ x }}?a={{ x }}#{{ x }}",
	    &off, &cause), 0);
	assert_int_equal(webtmpl_check_url("http://h/no/templates", &off,
	    &cause), 0);
}

static char *
json_with(const char *body, const char *x, char **cause)
{
	const char *kv[] = { "x", x, "n", "42", NULL };
	struct vals v = { kv };

	*cause = NULL;
	return webtmpl_expand_json(body, resolve, &v, cause);
}

static void
test_json_strings(void **state)
{
	json_error_t	 err;
	json_t		*j;
	char		*cause, *body, *want;

	(void)state;
	for (int i = 0; hostile[i] != NULL; i++) {
		body = json_with("{\"a\": \"{{ x }}\", \"b\": \"<{{ x }}>\", "
		    "\"c\": {{ x }}, \"n\": {{ n }}, \"{{ x }}\": [{{ x }}]}",
		    hostile[i], &cause);
		assert_non_null(body);
		j = json_loads(body, 0, &err);
		assert_non_null(j);
		/* No value adds a field: a, b, c, n and the value as a key. */
		assert_int_equal(json_object_size(j), 5);
		assert_string_equal(json_string_value(json_object_get(j, "a")),
		    hostile[i]);
		want = malloc(strlen(hostile[i]) + 3);
		sprintf(want, "<%s>", hostile[i]);
		assert_string_equal(json_string_value(json_object_get(j, "b")),
		    want);
		free(want);
		assert_int_equal(json_integer_value(json_object_get(j, "n")), 42);
		assert_string_equal(json_string_value(json_array_get(
		    json_object_get(j, hostile[i]), 0)), hostile[i]);
		json_decref(j);
		free(body);
	}
	/* An int param's value is a number only where it stands alone. */
	body = json_with("{\"s\": \"{{ n }}\"}", "", &cause);
	assert_string_equal(body, "{\"s\": \"42\"}");
	free(body);
	body = json_with("{\"a\": \"{{ x }}\"}", "\xff\xfe", &cause);
	assert_null(body);
	assert_non_null(strstr(cause, "UTF-8"));
	free(cause);
}

static void
test_json_places_refused(void **state)
{
	const char *const bad[] = {
		"{\"a\": \"\\u{{ x }}\"}", "{\"a\": \"\\u00{{ x }}\"}",
		"{\"a\": \"\\{{ x }}\"}", "{\"a\": 1{{ x }}}",
		"{\"a\": {{ x }}{{ x }}}", "{\"a\": {{ x }}", "{{ x }}: 1",
	};
	size_t	off;
	char	*cause;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		assert_int_equal(webtmpl_check_json(bad[i], &off, &cause), -1);
		assert_non_null(cause);
		assert_true(off <= strlen(bad[i]));
		free(cause);
	}
	assert_int_equal(webtmpl_check_json("{\"a\": \"\\\\{{ x }}\"}", &off,
	    &cause), 0);
	assert_int_equal(webtmpl_check_json("[{{ x }}, \"{{ x }}\"]", &off,
	    &cause), 0);
}

/* Many random values, seeded so a failure repeats: each comes back exact
 * from a path segment, a query value and a JSON string. */
static void
test_random_round_trips(void **state)
{
	static const char *const units[] = {
		"/", "?", "#", "&", "=", "+", "%", ".", "..", "\"", "\\", "}",
		"{", "\r", "\n", "\t", " ", "a", "Z", "0", "~", "@", ":", "[",
		"\x01", "\x7f", "é", "💥", "\xe2\x80\xa8", "{{", "%2e", "%00",
	};
	const size_t	 nunits = sizeof units / sizeof units[0];
	char		 value[256], *cause, *url, *got, *body, *q, *part;
	json_t		*j;
	unsigned	 seed = 1107;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		value[0] = '\0';
		for (int k = 1 + rand_r(&seed) % 8; k > 0; k--)
			strcat(value, units[rand_r(&seed) % nunits]);
		if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0)
			continue;
		url = url_with("http://h/a/{{ x }}/b?q={{ x }}", value, &cause);
		if (url == NULL)	/* only a dot segment may be refused */
			fail_msg("refused %s: %s", value, cause);
		q = strstr(url, "?q=");
		assert_non_null(q);
		part = strndup(url, (size_t)(q - url));
		got = segment(part, "http://h/a/", "/b");
		assert_string_equal(got, value);
		free(got);
		free(part);
		part = strndup(url, (size_t)(q + 3 - url));
		got = segment(url, part, "");
		assert_string_equal(got, value);
		free(got);
		free(part);
		free(url);
		body = json_with("{\"a\": \"<{{ x }}>\", \"b\": {{ x }}}", value, &cause);
		assert_non_null(body);
		j = json_loads(body, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_object_size(j), 2);
		assert_int_equal(json_string_length(json_object_get(j, "b")), strlen(value));
		assert_string_equal(json_string_value(json_object_get(j, "b")), value);
		json_decref(j);
		free(body);
	}
}

static void
test_form_values(void **state)
{
	const char	*kv[] = { "x", "a&admin=1+b c=%", NULL };
	struct vals	 v = { kv };
	size_t		 off;
	char		*cause = NULL, *body;

	(void)state;
	body = webtmpl_expand_form("a={{ x }}&{{ x }}=2", resolve, &v, &cause);
	assert_string_equal(body, "a=a%26admin%3D1%2Bb%20c%3D%25&"
	    "a%26admin%3D1%2Bb%20c%3D%25=2");
	free(body);
	assert_int_equal(webtmpl_check_form("a=%{{ x }}", &off, &cause), -1);
	assert_int_equal(off, 3);
	free(cause);
	assert_true(webtmpl_is_form_type("application/x-www-form-urlencoded"));
	assert_true(webtmpl_is_form_type("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
	assert_false(webtmpl_is_form_type("application/x-www-form-urlencodedx"));
	assert_false(webtmpl_is_form_type("multipart/form-data"));
}

static void
test_headers_and_types(void **state)
{
	char	*cause = NULL;

	(void)state;
	assert_true(webtmpl_is_json_type("application/json"));
	assert_true(webtmpl_is_json_type("Application/JSON; charset=utf-8"));
	assert_true(webtmpl_is_json_type("application/vnd.api+json"));
	assert_false(webtmpl_is_json_type("text/plain"));
	assert_false(webtmpl_is_json_type("application/x-www-form-urlencoded"));
	assert_false(webtmpl_is_json_type(NULL));
	assert_int_equal(webtmpl_header_bad_byte("ok\tvalue ü"), -1);
	assert_int_equal(webtmpl_header_bad_byte("a\r\nX-B: 1"), 1);
	assert_int_equal(webtmpl_header_bad_byte("ab\n"), 2);
	assert_int_equal(webtmpl_header_bad_byte("a\x7f"), 1);
	assert_int_equal(webtmpl_check_header_name("X-Trace", &cause), 0);
	assert_int_equal(webtmpl_check_header_name("X Trace", &cause), -1);
	free(cause);
	assert_int_equal(webtmpl_check_header_name("X:", &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_and_query_components),
		cmocka_unit_test(test_dot_segments_refused),
		cmocka_unit_test(test_authority),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_url_places_refused),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_places_refused),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_form_values),
		cmocka_unit_test(test_headers_and_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
