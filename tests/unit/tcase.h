/*
 * tcase.h - the small case runner shared by the codec unit tests.
 *
 * begin("name"); CHECK(cond, "why %d", x); ... end(); prints "PASS name"
 * or "FAIL name: why" (the first failure of a case only); <failures>
 * counts failed cases for the exit status. Included once per test program.
 */
#ifndef MUXLAB_TCASE_H
#define MUXLAB_TCASE_H

#include <stdarg.h>
#include <stdio.h>

static int failures;
static int case_failed;
static const char *case_name;

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (case_failed)
		return;
	case_failed = 1;
	printf("FAIL %s: ", case_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static void begin(const char *name)
{
	case_name = name;
	case_failed = 0;
}

static void end(void)
{
	if (!case_failed)
		printf("PASS %s\n", case_name);
	else
		failures++;
}

#endif /* MUXLAB_TCASE_H */
