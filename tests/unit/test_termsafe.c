/*
 * test_termsafe.c: what reaches an operator's terminal from text others
 * wrote. Each attack a hostile step, note or journal could send (OSC 52
 * clipboard writes, title changes, cursor-position queries, mouse modes,
 * DCS strings, raw and UTF-8-encoded C1 controls) is fed through the
 * neutraliser, and the result must hold no ESC, no C1 and no control
 * byte, while text, UTF-8 and (on request) colour pass untouched.
 */
#include "cmocka_all.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"

/* Nothing a terminal would act on: no ESC (but SGR when kept), no C0
 * control but tab, no C1 byte outside a valid UTF-8 character. */
static void
assert_harmless(const char *s, int sgr_allowed)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b) {
			size_t j = i + 2;

			assert_true(sgr_allowed && s[i + 1] == '[');
			while (strchr("0123456789;:", s[j]) != NULL && s[j] != '\0')
				j++;
			assert_int_equal(s[j], 'm');
			i = j;
			continue;
		}
		assert_false(c < 0x20 && c != '\t');
		assert_false(c == 0x7f);
		if (c >= 0x80) {
			size_t n = termsafe_utf8_valid((const unsigned char *)s + i, strlen(s + i));

			assert_true(n > 0);
			assert_false(n == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0);
			i += n - 1;
		}
	}
}

static char *
line(const char *s, int keep_sgr)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1);
	size_t n = termsafe_line(s, len, out, keep_sgr);

	assert_true(n <= len);
	assert_int_equal(strlen(out), n);
	return out;
}

static const char *const attacks[] = {
	"\033]52;c;ZWNobyBwd25lZA==\a",			/* clipboard write, BEL */
	"\033]52;c;ZWNobyBwd25lZA==\033\\",		/* clipboard write, ST */
	"\033]0;you have been pwned\a",			/* window title */
	"\033]2;title\033\\",
	"\033[6n",					/* cursor position query */
	"\033[c",					/* device attributes query */
	"\033[?1000h\033[?1006h",			/* mouse reporting */
	"\033P+q544e\033\\",				/* DCS termcap query */
	"\033[21t",					/* title report */
	"\033[?1049h",					/* alternate screen */
	"\2330n\2355;x\a",				/* raw C1 CSI, OSC */
	"\xc2\x9b" "6n\xc2\x9d" "52;c;eA==\a",		/* C1 as UTF-8 */
	"\033]52;c;unterminated",			/* cut off */
	"\033[",
	"\033",
	"ok\r\033]0;t\aFAKE ok\b\b",
};

static void
attacks_are_dropped(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof attacks / sizeof attacks[0]; k++) {
		for (int sgr = 0; sgr <= 1; sgr++) {
			char *out = line(attacks[k], sgr), *dup = termsafe_dup(attacks[k], sgr);

			assert_harmless(out, sgr);
			assert_harmless(dup, sgr);
			if (attacks[k][0] == '\033') {	/* a C1 lead shows as '?', its text stays */
				assert_null(strstr(out, "52;"));
				assert_null(strstr(out, "pwned"));
			}
			free(out);
			free(dup);
		}
	}
}

static void
text_utf8_and_colour_pass(void **state)
{
	const char *in = "d\xc3\xa9j\xc3\xa0 \xe2\x9c\x93\t\033[1;31mred\033[0m done";
	char *kept = line(in, 1), *plain = line(in, 0);

	(void)state;
	assert_string_equal(kept, in);
	assert_string_equal(plain, "d\xc3\xa9j\xc3\xa0 \xe2\x9c\x93\tred done");
	free(kept);
	free(plain);
}

/* A private CSI ending in m (ESC [ > 4 m, a key mode) is not a colour. */
static void
private_m_is_not_sgr(void **state)
{
	char *out = line("a\033[>4;1mb", 1);

	(void)state;
	assert_string_equal(out, "ab");
	free(out);
}

/* Controls show as spaces, stray bytes as '?', column for column. */
static void
controls_and_stray_bytes(void **state)
{
	char *out = line("a\001b\x7f" "c\xff" "d\x80" "e\a", 0);

	(void)state;
	assert_string_equal(out, "a b c?d?e");
	free(out);
}

/* A progress bar's CRs leave its last state, and a CR cannot overwrite
 * what came before the line with a sequence hidden in it. */
static void
carriage_return_renders_the_line(void **state)
{
	char *bar = line("10%\r50%\r100%", 1), *spoof = line("failed\r\033[32mok    ", 1);

	(void)state;
	assert_string_equal(bar, "100%");
	assert_string_equal(spoof, "ok    ");
	assert_harmless(spoof, 0);
	free(bar);
	free(spoof);
}

/* A note or a title over several lines keeps its newlines, each line safe. */
static void
dup_keeps_newlines(void **state)
{
	char *out = termsafe_dup("one\033]0;x\a\ntwo\n", 0), *raw = termsafe_dup("a\r\nb\r\n", 0);

	(void)state;
	assert_string_equal(out, "one\ntwo\n");
	assert_string_equal(raw, "a\r\nb\r\n");	/* a raw terminal's line ends stay */
	free(out);
	free(raw);
}

/* The console's renderer: escapes gone, CR and BS act, the cursor known. */
static void
render_as_a_terminal(void **state)
{
	char buf[64];
	size_t cur;
	const char *edit = "abc\b\bX\033[K", *query = "\033]52;c;eA==\a\2330nok";

	(void)state;
	cur = termsafe_render(edit, strlen(edit), buf, sizeof buf);
	assert_string_equal(buf, "aX");
	assert_int_equal(cur, 2);
	termsafe_render(query, strlen(query), buf, sizeof buf);
	assert_string_equal(buf, "\xef\xbf\xbd" "0nok");
	termsafe_render("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 72, buf, 8);
	assert_string_equal(buf, "xxxxxxx");
}

/* Tabs stop every 8 columns, counting a wide character as two; a CR then
 * a tab moves over what is there. Bad bytes show as U+FFFD. */
static void
render_tabs_and_bad_bytes(void **state)
{
	char buf[64];

	(void)state;
	termsafe_render("a\tb\tc", 5, buf, sizeof buf);
	assert_string_equal(buf, "a       b       c");
	termsafe_render("\xe6\x97\xa5\tx", 5, buf, sizeof buf);	/* 日 is two columns */
	assert_string_equal(buf, "\xe6\x97\xa5      x");
	termsafe_render("abcdefghij\r\tX", 13, buf, sizeof buf);
	assert_string_equal(buf, "abcdefghXj");
	termsafe_render("a\xff" "b\xc3", 4, buf, sizeof buf);
	assert_string_equal(buf, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}

static void
clean_for_the_console(void **state)
{
	char buf[9];

	(void)state;
	termsafe_clean("a\033]0;\x9b\xc3\xa9zzzzz", 13, buf, sizeof buf);
	assert_string_equal(buf, "a ]0;?\xc3\xa9");
	assert_harmless(buf, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attacks_are_dropped),
		cmocka_unit_test(text_utf8_and_colour_pass),
		cmocka_unit_test(private_m_is_not_sgr),
		cmocka_unit_test(controls_and_stray_bytes),
		cmocka_unit_test(carriage_return_renders_the_line),
		cmocka_unit_test(dup_keeps_newlines),
		cmocka_unit_test(render_as_a_terminal),
		cmocka_unit_test(render_tabs_and_bad_bytes),
		cmocka_unit_test(clean_for_the_console),
	};

	setlocale(LC_CTYPE, "C.UTF-8");	/* wide characters, as the console runs */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
