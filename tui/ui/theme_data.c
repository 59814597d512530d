/*
 * theme_data — the themes compiled in.  Generated from themes/NAME.theme by
 * tests/tui/embed.py; edit the data files and rerun it (a test checks).
 */
#include "theme.h"

#include <string.h>

static const char theme_default[] =
	"# kdrift default theme (dark terminals): color AREA FG BG [ATTR...]\n"
	"# Colours: default, black..white, bright-black..bright-white, colorN, #rrggbb.\n"
	"color default          default  default\n"
	"color cursor           black    cyan     bold\n"
	"color title            bright-white blue bold\n"
	"color status-bar       black    white\n"
	"color message          default  default\n"
	"color error            bright-red default bold\n"
	"color warning          yellow   default\n"
	"color synced           green    default\n"
	"color extra            magenta  default\n"
	"color missing          yellow   default  bold\n"
	"color drifted          #ff8700  default  bold\n"
	"color break-glass      bright-white red  bold\n"
	"color unknown          bright-black default\n"
	"color intentional      cyan     default\n"
	"color counts           yellow   default\n"
	"color dim              bright-black default\n"
	"color search-match     black    yellow\n"
	"color diff-header      bright-white color24 bold\n"
	"color diff-add         green    default\n"
	"color diff-del         red      default\n"
	"color diff-change      #ffd787  default\n"
	"color diff-change-part black    #ffaf00  bold\n"
	"color diff-fold        bright-black default\n"
	"color diff-attribution cyan     default\n"
	"color help-group       bright-white default bold underline\n"
	"color help-key         yellow   default  bold\n";

static const char theme_high_contrast[] =
	"# kdrift high-contrast theme: bright colours on black, bold everywhere it helps.\n"
	"color default          bright-white black\n"
	"color cursor           black    bright-yellow bold\n"
	"color title            black    bright-white bold\n"
	"color status-bar       black    bright-white bold\n"
	"color message          bright-white black\n"
	"color error            bright-red black  bold underline\n"
	"color warning          bright-yellow black bold\n"
	"color synced           bright-green black bold\n"
	"color extra            bright-magenta black bold\n"
	"color missing          bright-yellow black bold\n"
	"color drifted          bright-red black  bold\n"
	"color break-glass      bright-white red  bold blink\n"
	"color unknown          bright-cyan black bold\n"
	"color intentional      bright-cyan black bold\n"
	"color counts           bright-yellow black bold\n"
	"color dim              white    black\n"
	"color search-match     black    bright-cyan bold\n"
	"color diff-header      black    bright-white bold\n"
	"color diff-add         bright-green black bold\n"
	"color diff-del         bright-red black  bold\n"
	"color diff-change      bright-yellow black\n"
	"color diff-change-part black    bright-yellow bold\n"
	"color diff-fold        white    black    underline\n"
	"color diff-attribution bright-cyan black\n"
	"color help-group       bright-white black bold underline\n"
	"color help-key         bright-yellow black bold\n";

static const char theme_light[] =
	"# kdrift theme for light backgrounds.\n"
	"color default          default  default\n"
	"color cursor           white    blue     bold\n"
	"color title            white    color24  bold\n"
	"color status-bar       white    color238\n"
	"color message          default  default\n"
	"color error            red      default  bold\n"
	"color warning          color130 default\n"
	"color synced           color28  default\n"
	"color extra            magenta  default\n"
	"color missing          color130 default  bold\n"
	"color drifted          color166 default  bold\n"
	"color break-glass      white    red      bold\n"
	"color unknown          color244 default\n"
	"color intentional      blue     default\n"
	"color counts           color130 default\n"
	"color dim              color244 default\n"
	"color search-match     black    color229\n"
	"color diff-header      white    color24  bold\n"
	"color diff-add         color28  default\n"
	"color diff-del         color124 default\n"
	"color diff-change      color94  default\n"
	"color diff-change-part black    color222 bold\n"
	"color diff-fold        color244 default\n"
	"color diff-attribution blue     default\n"
	"color help-group       black    default  bold underline\n"
	"color help-key         color130 default  bold\n";

static const char theme_mono[] =
	"# kdrift monochrome theme (NO_COLOR, terminals without colours): attributes\n"
	"# only, so every status and change stays visible without any colour.\n"
	"color default          default  default\n"
	"color cursor           default  default  reverse\n"
	"color title            default  default  bold reverse\n"
	"color status-bar       default  default  reverse\n"
	"color message          default  default\n"
	"color error            default  default  bold underline\n"
	"color warning          default  default  bold\n"
	"color synced           default  default\n"
	"color extra            default  default  underline\n"
	"color missing          default  default  bold\n"
	"color drifted          default  default  bold\n"
	"color break-glass      default  default  bold reverse\n"
	"color unknown          default  default  dim\n"
	"color intentional      default  default  underline\n"
	"color counts           default  default  bold\n"
	"color dim              default  default  dim\n"
	"color search-match     default  default  reverse underline\n"
	"color diff-header      default  default  bold underline\n"
	"color diff-add         default  default  bold\n"
	"color diff-del         default  default  dim\n"
	"color diff-change      default  default  bold\n"
	"color diff-change-part default  default  reverse\n"
	"color diff-fold        default  default  dim\n"
	"color diff-attribution default  default  underline\n"
	"color help-group       default  default  bold underline\n"
	"color help-key         default  default  bold\n";

const char *const kd_theme_builtin_names[] = {
	"default",
	"high-contrast",
	"light",
	"mono",
	NULL,
};

const char *kd_theme_builtin(const char *name)
{
	if (strcmp(name, "default") == 0)
		return theme_default;
	if (strcmp(name, "high-contrast") == 0)
		return theme_high_contrast;
	if (strcmp(name, "light") == 0)
		return theme_light;
	if (strcmp(name, "mono") == 0)
		return theme_mono;
	return NULL;
}
