/*
 * vars.h - the template variables each section offers
 *
 *	.Key	the lookup key; for policy, the JSON object of all attributes
 *	.Name	the map or service name
 *	.<attr>	policy only: one Postfix policy attribute, e.g. .recipient
 */
#ifndef PFX_VARS_H
#define PFX_VARS_H

enum conf_kind { KIND_SOCKETMAP, KIND_TCP, KIND_POLICY, KIND_COUNT };

#define VAR_KEY		0
#define VAR_NAME	1
#define VAR_ATTR0	2	/* VAR_ATTR0 + index into policy_attr_names */

extern const char *const policy_attr_names[];
extern const unsigned int policy_attr_count;

int	 vars_resolve(const char *name, void *kindp);

#endif
