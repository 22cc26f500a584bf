/* ruleset.h: a loaded rule set as load.c builds it and judge.c reads it.
 * Private to src/rules. */
#ifndef MODGATE_RULES_RULESET_H
#define MODGATE_RULES_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "modgate/model.h"
#include "modgate/rules.h"
#include "src/rules/lexicon.h"
#include "src/rules/prefilter.h"

enum list_kind { LIST_WORDS, LIST_DOMAINS, LIST_AUTHORS };

struct list {
    char *name;
    enum list_kind kind;
    size_t entries;
};

enum cond_kind {
    COND_ALL,
    COND_ANY,
    COND_NOT,
    COND_WORDS,            /* any of lists[] matched a word or phrase */
    COND_REGEX,            /* re on the raw text */
    COND_NORMALIZED_REGEX, /* re on the normalized text */
    COND_LINKS_AT_LEAST,   /* number */
    COND_LINK_DOMAIN,      /* a link under a domain of lists[0] */
    COND_LINK_OUTSIDE,     /* a link under none of lists[0] */
    COND_LINK_FLAG,        /* a link with flag (mg_link_flag) */
    COND_CONTACT,          /* a contact whose `what` or kind is in mask */
    COND_CAPS_RATIO,       /* caps_ratio > number, letters >= min */
    COND_CHAR_RUN,         /* longest_run >= number */
    COND_EMOJI_RATIO,      /* emoji_ratio > number */
    COND_SYMBOL_RATIO,     /* symbol_ratio > number */
    COND_COMBINING_MARKS,  /* marks_per_base >= number */
    COND_MIXED_SCRIPT,     /* mixed_script_words >= number */
    COND_INVISIBLES,       /* invisibles removed >= number */
    COND_ACCOUNT_AGE,      /* author_created_at known and age < number ms */
    COND_AUTHOR_IN,        /* author_id in lists[0] */
    COND_NAMED,            /* the named condition mg_rules.conds[named] */
    COND_MODEL,            /* the model's head `mask` compares (op) to number */
};

struct cond {
    enum cond_kind kind;
    struct cond **kids; /* all / any / not */
    size_t nkids;
    uint32_t *lists; /* words, link_domain, link_outside, author_in */
    size_t nlists;
    pcre2_code *re;
    uint32_t pattern; /* regex: the number of its (kind, pattern) in the set,
                         shared by every cond written the same */
    uint32_t *needs; /* regex: prefilter strings one of which a match holds */
    size_t nneeds;   /* 0: the regex always runs */
    double number;
    double min; /* caps_ratio: the fewest cased letters for it to count */
    unsigned mask;
    uint32_t named; /* COND_NAMED: an index into mg_rules.conds */
    int op;         /* COND_MODEL: enum model_op */
};

/* A named condition (`conditions:` in a rules file). The rule set owns
 * `when`; a COND_NAMED node refers to it by index and owns nothing, so
 * that judge.c can evaluate it once per comment and field however many
 * rules use it. */
struct named_cond {
    char *name;
    struct cond *when; /* NULL only while loading, or if it failed */
};

/* COND_MODEL's comparison of a head's score with the number. */
enum model_op { OP_GE, OP_GT, OP_LE, OP_LT };

enum rule_field { FIELD_BODY, FIELD_AUTHOR_NAME };

struct rule {
    char *id;
    char *reason;
    double score;
    int action; /* enum mg_action, or -1 for none */
    enum rule_field field;
    struct cond *when;
    unsigned model_heads; /* the heads its condition tests (bits of enum
                             mg_model_head, named conditions included):
                             not 0, its score counts toward the model's cap */
};

struct mg_rules {
    int refs;
    char version[32];
    struct rule *rules;
    size_t nrules;
    uint64_t *hits;
    struct list *lists;
    size_t nlists;
    struct lexicon *lexicon;
    struct named_cond *conds;
    size_t nconds;
    double hold_at, reject_at;
    bool uses_author_name; /* some rule reads the author's name */
    pcre2_match_context *match_ctx;
    struct mg_rules_history history;
    bool has_history;
    uint32_t match_options; /* PCRE2_NO_JIT under valgrind (load.c) */
    struct mg__prefilter *prefilter; /* every regex's needed strings */
    char **patterns; /* each distinct regex, its kind's letter first ('r', 'n') */
    size_t npatterns;
    bool prefilter_off; /* MODGATE_REGEX_NO_PREFILTER=1: run every regex */
    struct mg_model *model; /* `model:`, NULL when the set has none */
    double model_weight;    /* the most the rules using it add to a score */
    char *model_file;       /* the path `model:` names, in the rules dir */
    bool model_off;         /* `model: off`: rules testing it never hold */
};

/* Contact kinds as bits of cond.mask; judge.c tests a contact's `what`. */
enum contact_bit {
    CONTACT_EMAIL = 1 << 0,
    CONTACT_PHONE = 1 << 1,
    CONTACT_TELEGRAM = 1 << 2,
    CONTACT_WHATSAPP = 1 << 3,
    CONTACT_KAKAOTALK = 1 << 4,
    CONTACT_DISCORD = 1 << 5,
    CONTACT_BITCOIN = 1 << 6,
    CONTACT_ETHEREUM = 1 << 7,
    CONTACT_TRON = 1 << 8,
};

/* The bit of a contact's `what` ("email", "telegram"...), 0 if unknown. */
unsigned contact_bit_of(const char *what);

#endif
