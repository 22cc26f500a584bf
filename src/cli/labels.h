/* labels.h: the label (ham, spam, abuse) a moderator's decision gives a
 * comment, for `modctl decisions export`: a pure function of the
 * decision's action, its reason and the record's matches, so that the
 * mapping docs/moderators.md describes is the one unit-tested. */
#ifndef MODCTL_LABELS_H
#define MODCTL_LABELS_H

#include <jansson.h>

/* action is the audit log's: "approve" and "dismiss_reports" (a published
 * comment its readers reported, kept up) give "ham"; "reject" and "remove"
 * give "spam" or "abuse":
 *   1. by reason (may be NULL): its first word in the keyword table
 *      (spam, scam, advert, promo, link, bot... -> spam; abuse, hate,
 *      insult, threat, harass, slur, troll, racist... -> abuse), words
 *      being runs of letters and digits, compared without ASCII case;
 *   2. else by the family of the highest-scoring match whose family is
 *      known (the rule id before its first '.': spam, scam, lure, links ->
 *      spam; abuse, threat, evasion, hate, author -> abuse; a model rule by
 *      the head it scored highest; history.duplicate and history.campaign
 *      -> spam);
 *   3. else "abuse": what moderators take down on a news site that is not
 *      spam is abuse of some kind.
 * NULL for any other action. The result is a static string. */
const char *modctl_decision_label(const char *action, const char *reason,
                                  const json_t *matches);

#endif
