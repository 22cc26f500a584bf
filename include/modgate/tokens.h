/* tokens.h: the bearer tokens file ("ROLE NAME TOKEN" a line, # comments)
 * and constant-time lookup of a presented token. */
#ifndef MODGATE_TOKENS_H
#define MODGATE_TOKENS_H

#include <stddef.h>

#include "modgate/error.h"

enum mg_role { MG_ROLE_SITE = 1u << 0, MG_ROLE_MODERATOR = 1u << 1 };

/* The longest NAME a tokens file may give. */
#define MG_TOKEN_NAME_MAX 64

/* Who a token belongs to. Borrowed from the token set. */
struct mg_principal {
    enum mg_role role;
    const char *name;
};

struct mg_tokens;

/* Parses tokens text; name is used in errors. Caller owns *out. */
int mg_tokens_parse(const char *name, const char *text, size_t len,
                    struct mg_tokens **out, struct mg_error *err) MG_MUST_CHECK;

/* Checks the file is private (files.h), then parses it. */
int mg_tokens_load(const char *path, struct mg_tokens **out,
                   struct mg_error *err) MG_MUST_CHECK;

/* The principal whose token equals token[0..len), or NULL. Takes the same
 * time whichever entry matches, or none, and whatever the lengths. */
const struct mg_principal *mg_tokens_lookup(const struct mg_tokens *tokens,
                                            const char *token, size_t len);

size_t mg_tokens_count(const struct mg_tokens *tokens);

/* A token shorter than this is accepted but can be guessed: the server
 * warns about it at start. */
#define MG_TOKEN_STRONG_LEN 16

/* How many tokens are shorter than MG_TOKEN_STRONG_LEN, and the line of the
 * first of them (0 when none). */
size_t mg_tokens_weak(const struct mg_tokens *tokens, int *first_line);

/* "site" / "moderator". */
const char *mg_role_name(enum mg_role role);

void mg_tokens_free(struct mg_tokens *tokens);

#endif
