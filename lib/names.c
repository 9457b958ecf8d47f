/* User and group names for the OWNER and GROUP of objects. */
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "ipckit.h"

const char *id_name(struct id_names *nm, unsigned id, bool group, char *buf, size_t len)
{
	for (size_t i = 0; i < nm->n; i++)
		if (nm->v[i].id == id && nm->v[i].group == group)
			return nm->v[i].name;
	const char *s = NULL;
	if (group) {
		struct group *g = getgrgid(id);
		s = g ? g->gr_name : NULL;
	} else {
		struct passwd *p = getpwuid(id);
		s = p ? p->pw_name : NULL;
	}
	if (s == NULL) {
		snprintf(buf, len, "%u", id);
		s = buf;
	}
	if (nm->n < sizeof(nm->v) / sizeof(nm->v[0])) {
		nm->v[nm->n].id = id;
		nm->v[nm->n].group = group;
		strlcpy(nm->v[nm->n].name, s, sizeof(nm->v[nm->n].name));
		return nm->v[nm->n++].name;
	}
	return s;
}
