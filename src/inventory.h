/* inventory.h: hosts and groups from an Ansible inventory file, the one a
 * team already keeps, in either of Ansible's forms:
 *   INI:  host lines (NAME key=value...), [group], [group:vars] (key=value
 *         lines) and [group:children] (group names);
 *   YAML: GROUP: { hosts: { NAME: { key: value } }, vars: {...},
 *         children: { GROUP: ... } }, starting from all:.
 * ansible_host, ansible_port, ansible_user and ansible_ssh_private_key_file
 * become the host's address, port, user and identity; every other key is a
 * var ({{ host.vars.NAME }}). Host ranges (www[01:50]) are refused, not
 * expanded. Every problem is reported at INVENTORY:LINE:COL. */
#ifndef DRC_INVENTORY_H
#define DRC_INVENTORY_H

#include "diag.h"
#include "runbook.h"

/* At most this many hosts and groups from one inventory. */
#define INVENTORY_MAX 10000

/* Adds the hosts and groups of the inventory at path to rb's; a name the
 * runbook's own hosts or groups already use is an error. The form is YAML
 * when the file's name ends in .yml or .yaml, else INI. 0, or -1 when it
 * added errors to d. */
int inventory_load(const char *path, struct runbook *rb, struct diags *d);

#endif
