/* Numbers, sizes, durations and modes as every tool reads them. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipckit.h"

/* -1 with errno e: EINVAL (not such a value) or ERANGE (outside the bounds). */
static int fail_with(int e)
{
	errno = e;
	return -1;
}

/* Reads "digits[.digits]" into an integer part and a fraction scaled to 1e9. */
static int parse_decimal(const char *s, const char **end, uint64_t *whole, uint64_t *frac_ns)
{
	uint64_t w = 0, f = 0, scale = 100000000;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (w > (UINT64_MAX - d) / 10)
			return -1;
		w = w * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			f += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
	}
	*end = p;
	*whole = w;
	*frac_ns = f;
	return 0;
}

int parse_duration_ns(const char *s, int64_t *ns)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "", 1000000000ULL }, { "s", 1000000000ULL }, { "ms", 1000000ULL },
		{ "us", 1000ULL }, { "m", 60000000000ULL }, { "h", 3600000000000ULL },
		{ "d", 86400000000000ULL },
	};
	uint64_t whole, frac;
	const char *end;

	if (s == NULL || parse_decimal(s, &end, &whole, &frac) == -1)
		return fail_with(EINVAL);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		uint64_t u = units[i].ns;
		if (whole > (uint64_t)INT64_MAX / u)
			return fail_with(ERANGE);
		uint64_t total = whole * u;
		/* frac is in 1e-9 units of one `u` */
		uint64_t part = (u >= 1000000000ULL) ? frac * (u / 1000000000ULL)
		                                     : frac / (1000000000ULL / u);
		if (total > (uint64_t)INT64_MAX - part)
			return fail_with(ERANGE);
		*ns = (int64_t)(total + part);
		return 0;
	}
	return fail_with(EINVAL);   /* an unknown unit */
}

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t whole, frac, mult = 1;
	const char *end;

	if (s != NULL && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {   /* hex, as numbers: no unit */
		if (s[2] == '\0' || s[2 + strspn(s + 2, "0123456789abcdefABCDEF")] != '\0')
			return fail_with(EINVAL);
		errno = 0;
		*bytes = strtoull(s + 2, NULL, 16);
		return errno == ERANGE ? -1 : 0;
	}
	if (s == NULL || parse_decimal(s, &end, &whole, &frac) == -1)
		return fail_with(EINVAL);
	if (*end != '\0') {
		const char *u = strchr("KMGTP", toupper((unsigned char)*end));
		if (u == NULL)
			goto bad_unit;
		for (const char *q = "KMGTP"; q <= u; q++)
			mult *= 1024;
		end++;
		if (strcmp(end, "iB") != 0 && strcmp(end, "B") != 0 && *end != '\0')
			goto bad_unit;
	} else if (frac != 0) {
		return fail_with(EINVAL);   /* a fraction of a byte */
	}
	if (whole > UINT64_MAX / mult)
		return fail_with(ERANGE);
	*bytes = whole * mult + (uint64_t)((double)frac / 1e9 * (double)mult);
	return 0;
bad_unit:
	if (strcmp(end, "B") == 0 && mult == 1 && frac == 0) {   /* "512B" */
		*bytes = whole;
		return 0;
	}
	return fail_with(EINVAL);
}

int parse_int_range(const char *s, long long min, long long max, long long *out)
{
	const char *p = s, *digits = "0123456789";
	bool neg = false;
	int base = 10;
	unsigned long long mag;
	long long v;

	if (s == NULL)
		return fail_with(EINVAL);
	if (*p == '-' && min < 0) {
		neg = true;
		p++;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		digits = "0123456789abcdefABCDEF";
		base = 16;
		p += 2;
	}
	/* only digits: strtoull would take a sign, spaces and a 0x of its own */
	if (*p == '\0' || p[strspn(p, digits)] != '\0')
		return fail_with(EINVAL);
	errno = 0;
	mag = strtoull(p, NULL, base);
	if (errno == ERANGE || mag > (unsigned long long)LLONG_MAX + neg)
		return fail_with(ERANGE);
	v = !neg ? (long long)mag : mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag;
	if (v < min || v > max)
		return fail_with(ERANGE);
	*out = v;
	return 0;
}

/* libbsd's setmode reads both forms: octal (644 is 0644, as chmod) and symbolic, applied to 0. */
int parse_mode(const char *s, mode_t *mode)
{
	void *set;
	mode_t m;

	if (s == NULL || *s == '\0')
		return fail_with(EINVAL);
	/* s and t name the setuid, setgid and sticky bits even where they set none (o+t) */
	if (!isdigit((unsigned char)*s) && strpbrk(s, "st"))
		return fail_with(ERANGE);
	if ((set = setmode(s)) == NULL) {
		if (errno != ENOMEM)   /* octal digits it refuses are bits past 07777 */
			errno = s[strspn(s, "01234567")] == '\0' ? ERANGE : EINVAL;
		return -1;
	}
	m = getmode(set, 0);
	free(set);
	if (m & ~(mode_t)0777)
		return fail_with(ERANGE);
	*mode = m;
	return 0;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", bytes);
	else if (v < 10 && v != (double)(uint64_t)v)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
	return buf;
}

const char *format_int(int64_t v, char *buf, size_t len)
{
	if (v == NA)
		return NULL;
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

const char *format_time(int64_t t, bool epoch, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == NA || t == 0)
		return NULL;
	if (epoch || localtime_r(&tt, &tm) == NULL)
		return format_int(t, buf, len);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	return buf;
}

int strv_push(char ***v, size_t *n, char *s)
{
	char **nv = reallocarray(*v, *n + 1, sizeof(**v));

	if (nv == NULL)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}
