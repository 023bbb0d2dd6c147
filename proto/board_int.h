/* board_int.h: the insides of proto/board shared by board.c (applying frames) and
 * board_read.c (reading JSON fields, dumping). Not for use outside proto/board*.c. The
 * readers take the object read from, the field's key, and the object's JSON path (for
 * causes); on failure they set *cause to a malloc'd "<path>.<key>: <text>" (replacing
 * any earlier one) and return -EINVAL, with their output left empty. Allocation is
 * proto's alloc.h (xmalloc, xstrdup, ...: abort on out-of-memory), included here. */
#ifndef TORG_PROTO_BOARD_INT_H
#define TORG_PROTO_BOARD_INT_H

#include "board.h"

#include <jansson.h>

#include "alloc.h"

/** Copies valid UTF-8 s with C0 controls, DEL and C1 controls replaced by '?'. */
char *board__clean_strdup(const char *s);
/** Sets *cause to "<path>: <text>" (freeing an earlier one); returns -EINVAL. */
int board__fail(char **cause, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** A human name for a JSON value's type ("string"; "missing" for NULL), for "expected
 *  X, got Y" messages; defined in proto.c. */
const char *proto__type_name(const json_t *v);
/** Formats "<path>.<key>" (or "<key>" at the top) into buf; returns buf. */
const char *board__key_path(char *buf, size_t len, const char *path, const char *key);
/** Reads a string field (1..PROTO_BOARD_MAX_STRING bytes, cleaned) into a new *out;
 *  missing or null gives NULL when optional. */
int board__get_str(json_t *obj, const char *key, bool optional, const char *path, char **out,
		   char **cause);
/** Reads an integer field >= min into *out. */
int board__get_int(json_t *obj, const char *key, int64_t min, const char *path, int64_t *out,
		   char **cause);
/** Reads a boolean field into *out; missing gives dflt when optional. */
int board__get_bool(json_t *obj, const char *key, bool optional, bool dflt, const char *path,
		    bool *out, char **cause);
/** Frees names and zeroes them. */
void board__names_clear(struct proto_board_names *n);
/** Reads a names object ({"nb": "..."}); missing or null gives no names. */
int board__get_names(json_t *obj, const char *key, const char *path, struct proto_board_names *out,
		     char **cause);
/** Reads an array of non-empty strings (at most PROTO_BOARD_MAX_SERVICES) into a new
 *  vector; missing or null gives none. */
int board__get_str_array(json_t *obj, const char *key, const char *path, char ***out, size_t *n,
			 char **cause);
/** Frees a vector of n strings. */
void board__strv_free(char **v, size_t n);

/* board_notices.c */
/** Reads a snapshot's "notices" (missing or null: none) into *out. */
int board__read_notices(json_t *snap, struct proto_board_notices *out, char **cause);
/** Makes *d a deep copy of *s. */
void board__notices_copy(struct proto_board_notices *d, const struct proto_board_notices *s);
/** Frees what *n owns and zeroes it. */
void board__notices_clear(struct proto_board_notices *n);
/** The notices as JSON, for proto_board_dump. */
json_t *board__notices_dump(const struct proto_board_notices *n);

#endif
