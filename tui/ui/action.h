/*
 * action — every user action of the interactive UI, listed once.
 *
 * KD_ACTIONS is the single list: the enum, the names used in keymap files,
 * the help screen and the table in man/kdrift-keys.5 are all generated from
 * it, so an action can never be bindable but undocumented (or the reverse).
 * Each entry: identifier, name in keymap files, help group, description.
 */
#ifndef KD_TUI_ACTION_H
#define KD_TUI_ACTION_H

#define KD_ACTIONS(X) \
	X(MOVE_UP, "move-up", "Movement", "Move the cursor up one line") \
	X(MOVE_DOWN, "move-down", "Movement", "Move the cursor down one line") \
	X(MOVE_PAGE_UP, "move-page-up", "Movement", "Move up one page") \
	X(MOVE_PAGE_DOWN, "move-page-down", "Movement", "Move down one page") \
	X(MOVE_LEFT, "move-left", "Movement", "Scroll left one column (compare view)") \
	X(MOVE_RIGHT, "move-right", "Movement", "Scroll right one column (compare view)") \
	X(MOVE_FIRST, "move-first", "Movement", "Move to the first line") \
	X(MOVE_LAST, "move-last", "Movement", "Move to the last line") \
	X(FOCUS_NEXT, "focus-next", "Movement", "Switch between the tree and the diff pane") \
	X(ENTER, "enter", "Tree", "Expand or collapse a node; open the diff of an object") \
	X(EXPAND, "expand", "Tree", "Expand the node") \
	X(COLLAPSE, "collapse", "Tree", "Collapse the node, or go to its parent") \
	X(EXPAND_ALL, "expand-all", "Tree", "Expand every node") \
	X(COLLAPSE_ALL, "collapse-all", "Tree", "Collapse every node") \
	X(PIVOT, "pivot", "Tree", "Toggle cluster → app and app → cluster order") \
	X(NEXT_DRIFT, "next-drift", "Tree", "Jump to the next node that is not in sync, opening only the path to it") \
	X(PREV_DRIFT, "prev-drift", "Tree", "Jump to the previous node that is not in sync, opening only the path to it") \
	X(FILTER_PROBLEMS, "filter-problems", "Tree", "Show only nodes that are not in sync (toggle)") \
	X(FILTER_CLEAR, "filter-clear", "Tree", "Clear every filter") \
	X(OPEN_DIFF, "open-diff", "Tree", "Open the diff of the node (an app: all its changed objects)") \
	X(COMPARE, "compare", "Tree", "Compare the app under the cursor across its clusters") \
	X(SEARCH, "search", "Search", "Search names incrementally") \
	X(SEARCH_NEXT, "search-next", "Search", "Jump to the next match") \
	X(SEARCH_PREV, "search-prev", "Search", "Jump to the previous match") \
	X(NEXT_CHANGE, "next-change", "Diff", "Jump to the next change") \
	X(PREV_CHANGE, "prev-change", "Diff", "Jump to the previous change") \
	X(TOGGLE_FOLD, "toggle-fold", "Diff", "Unfold or fold the unchanged lines under the cursor") \
	X(UNFOLD_ALL, "unfold-all", "Diff", "Unfold (or fold again) every unchanged run") \
	X(TOGGLE_UNIFIED, "toggle-unified", "Diff", "Switch between side-by-side and unified diff") \
	X(TOGGLE_METADATA, "toggle-metadata", "Diff", "Show or hide managedFields and status") \
	X(REVERT, "revert", "Act", "Revert the change, object, app or cluster under the cursor to Git") \
	X(ACCEPT, "accept", "Act", "Accept the drift under the cursor into the cluster's layer in Git") \
	X(PROMOTE, "promote", "Act", "Promote the drift under the cursor into a shared layer in Git") \
	X(SELF_HEAL_PAUSE, "self-heal-pause", "Act", "Pause or resume self-heal of selfHeal clusters while kdrift runs") \
	X(BREAK_GLASS, "break-glass", "Break-glass", "Enter break-glass mode (reason, ticket, duration)") \
	X(BREAK_GLASS_END, "break-glass-end", "Break-glass", "Leave break-glass mode and list the objects changed") \
	X(BG_EDIT, "edit", "Break-glass", "Edit the live object in $EDITOR") \
	X(BG_SCALE, "scale", "Break-glass", "Scale the object") \
	X(BG_SET_IMAGE, "set-image", "Break-glass", "Set the image of a container") \
	X(BG_RESTART, "restart", "Break-glass", "Restart the workload's pods") \
	X(BG_DELETE, "delete", "Break-glass", "Delete the object") \
	X(PROMPT, "prompt", "Views", "Open the command prompt") \
	X(VIEW_HELP, "view-help", "Views", "Show this help") \
	X(VIEW_LOG, "view-log", "Views", "Show the message log") \
	X(VIEW_AUDIT, "view-audit", "Views", "Show the audit log") \
	X(VIEW_FOLLOW_UP, "view-follow-up", "Views", "Show the break-glass changes awaiting follow-up") \
	X(VIEW_CLOSE, "view-close", "Views", "Close the current view or pane; at the top level, quit") \
	X(VIEW_BACK, "back", "Views", "Close the current view, pane or prompt, or end the search; never quits") \
	X(REFRESH, "refresh", "Views", "Fetch Git and re-read every cluster") \
	X(REDRAW, "redraw", "Views", "Redraw the screen") \
	X(SUSPEND, "suspend", "Views", "Suspend kdrift (resume with fg)") \
	X(QUIT, "quit", "Views", "Quit kdrift")

typedef enum kd_action {
	KD_ACT_NONE = 0,
#define KD_X(id, name, group, help) KD_ACT_##id,
	KD_ACTIONS(KD_X)
#undef KD_X
	KD_ACT_COUNT
} kd_action;

/* The keymap name of an action ("move-up"); "" for KD_ACT_NONE. */
const char *kd_action_name(kd_action a);
const char *kd_action_group(kd_action a);
const char *kd_action_help(kd_action a);
/* The action with that name, or KD_ACT_NONE. */
kd_action kd_action_parse(const char *name);

#endif
