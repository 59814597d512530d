/*
 * model_priv — what the files of the tree model share: model.c builds the
 * nodes and lays them out, model_snapshot.c follows new snapshots,
 * model_filter.c decides which nodes the filters show, model_search.c
 * finds nodes and keeps a search's matches.
 */
#ifndef KD_TUI_MODEL_PRIV_H
#define KD_TUI_MODEL_PRIV_H

#include "ui.h"

/* Brings kd_node.shown up to date with the filter (kd_model.shown_state). */
void kd_model_update_shown(kd_model *m);
/* Forgets the matches of searches over these nodes. */
void kd_matches_clear(kd_matches *match, size_t *nmatch);
/* Builds / frees the searchable labels of the nodes shown (m->nodes):
 * at most `limit` more nodes' labels a call (KD_NONE: all). */
int kd_labels_build(kd_model *m, size_t limit);
void kd_labels_clear(kd_labels *l);
/* Appends one cluster's subtree in the cluster order (from m->states). */
int kd_model_build_cluster(kd_model *m, size_t ci);
/* Drops the nodes (and all derived from them) / the other ordering's. */
void kd_model_nodes_clear(kd_model *m);
/* The nodes changed: what is computed over the whole tree from them (the
 * layout, the filter's shown set, searches' matches, the search labels)
 * is redone when next needed. */
void kd_model_nodes_changed(kd_model *m);
void kd_ordering_clear(kd_ordering *o);

#endif
