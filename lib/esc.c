/* Names made safe to print: a name anyone can create must not drive the terminal. */
#include <stdlib.h>
#include <string.h>

#include "ipckit.h"

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), 0 if it is not one. */
size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates and code points past U+10FFFF are not UTF-8 */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Whether the 3-byte UTF-8 sequence at p is a character that moves or hides
 * text on a terminal: the bidirectional controls (U+200E, U+200F, U+202A to
 * U+202E, U+2066 to U+2069), the zero-width ones (U+200B to U+200D, U+2060,
 * U+FEFF) and the line and paragraph separators (U+2028, U+2029).
 */
static bool invisible(const unsigned char *p)
{
	unsigned cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);

	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

/*
 * Copies s into buf with control bytes (C0, DEL, C1), bytes that are not
 * UTF-8, characters that reorder or hide text (invisible()), a backslash
 * that starts "\x", and a space at either end written as
 * \xHH: the form ipc-ls prints and ipc-rm reads back (ipc-rm trims the lines
 * it reads, so an edge space must be visible). Truncates with "..." when buf
 * is too short.
 */
const char *esc(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;

	if (len == 0)
		return "";
	for (size_t i = 0; i < n;) {
		size_t seq = utf8_seq_len(p + i, n - i);
		bool c1 = (seq == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) || (seq == 3 && invisible(p + i));
		bool edge_space = p[i] == ' ' && (i == 0 || i == n - 1);
		size_t need = (seq == 0 || c1 || p[i] < 0x20 || p[i] == 0x7f || edge_space ||
		               (p[i] == '\\' && p[i + 1] == 'x')) ? 4 * (seq ? seq : 1) : seq;

		if (w + need + 4 > len) {
			strlcpy(buf + w, "...", len - w);
			return buf;
		}
		if (need == seq) {
			memcpy(buf + w, p + i, seq);
			w += seq;
		} else {
			for (size_t k = 0; k < (seq ? seq : 1); k++)
				w += (size_t)snprintf(buf + w, len - w, "\\x%02x", p[i + k]);
		}
		i += seq ? seq : 1;
	}
	buf[w] = '\0';
	return buf;
}

char *esc_alloc(const char *s)
{
	size_t len = 4 * strlen(s) + 8;   /* every byte as \xHH, and room for the "..." check */
	char *buf = malloc(len);

	return buf ? (char *)esc(s, buf, len) : NULL;
}
