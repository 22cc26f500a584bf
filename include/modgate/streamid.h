/* streamid.h: Redis stream ids ("<ms>-<seq>", two unsigned 64-bit
 * integers), as the events feed's cursors and the events' ids are written:
 * parsing what a client sends (strictly: digits, one '-', no sign, no
 * space, nothing past 64 bits), the canonical text, and their order. */
#ifndef MODGATE_STREAMID_H
#define MODGATE_STREAMID_H

#include <stdbool.h>
#include <stdint.h>

#define MG_STREAM_ID_LEN 42 /* 20 digits, '-', 20 digits, NUL */

struct mg_stream_id {
    uint64_t ms;  /* Redis' clock when the entry was added */
    uint64_t seq; /* its place among that millisecond's entries */
};

/* True, with *out, when text is a stream id; false for anything else
 * (NULL included). */
bool mg_stream_id_parse(const char *text, struct mg_stream_id *out);

/* The canonical text (no leading zeros), as Redis writes it. */
void mg_stream_id_format(struct mg_stream_id id, char out[MG_STREAM_ID_LEN]);

/* <0, 0, >0 as a comes before, is, or comes after b in the stream. */
int mg_stream_id_cmp(struct mg_stream_id a, struct mg_stream_id b);

#endif
