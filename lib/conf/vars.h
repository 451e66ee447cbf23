/*
 * vars.h - the template variables each kind offers
 *
 *	.Key	the lookup key; for policy, the JSON object of all attributes
 *	.Name	the map or service name
 *	.<attr>	an attribute of the kind's requests, e.g. .recipient
 */
#ifndef PFX_VARS_H
#define PFX_VARS_H

/* the kinds, in kinds[] order (kind.h) */
enum conf_kind { KIND_SOCKETMAP, KIND_TCP, KIND_POLICY, KIND_SASL,
    KIND_FILTER, KIND_COUNT };

#define VAR_KEY		0
#define VAR_NAME	1
#define VAR_ATTR0	2	/* VAR_ATTR0 + index into the kind's attrs */

/* vars_resolve - a variable's id, -1 when the kind has none so named */
int	 vars_resolve(const char *name, void *kindp);
/* vars_attr - the attribute name of an id, NULL for .Key and .Name */
const char *vars_attr(enum conf_kind, int id);

#endif
