# kdrift — plain GNU make; every library through pkg-config.
#
#   make            build ./kdrift (and the test programs' simulator)
#   make deps       install the Debian packages the build, tests and demo need
#   make check      deps + build + every test; ends with "N passed, N failed"
#   make asan       ASan+UBSan build, unit tests under it
#   make valgrind   unit tests under valgrind's leak checker
#   make demo       deps + build + the demo
#   make bench      performance measures
#   make install / uninstall (PREFIX, DESTDIR), make clean

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

PKG_CORE  := libgit2 jansson yaml-0.1 libcurl libcrypto libmicrohttpd
PKG_TUI   := ncursesw readline
PKG_TEST  := cmocka
PKG_SIM   := libmicrohttpd

pc = $(shell pkg-config $(1) $(2) 2>/dev/null)

WARN     := -Wall -Wextra -Wpedantic -Werror
FEATURES := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_XOPEN_SOURCE_EXTENDED
OPT      ?= -O2 -g
SAN      ?=
CFLAGS   ?=
LDFLAGS  ?=
ALL_CFLAGS = -std=c11 $(WARN) $(FEATURES) $(OPT) $(SAN) -MMD -MP -iquote core -iquote tui \
	     $(call pc,--cflags,$(PKG_CORE) $(PKG_TUI)) $(CFLAGS)
LIBS_CORE = $(call pc,--libs,$(PKG_CORE)) -lpthread
LIBS_TUI  = $(call pc,--libs,$(PKG_TUI))

# Sources are found in the parts' folders; nothing here lists files by hand.
CORE_SRC := $(sort $(wildcard core/*/*.c))
TUI_SRC  := $(sort $(wildcard tui/*.c tui/*/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c tests/unit/*/test_*.c))
SIM_SRC  := $(sort $(wildcard tests/kubesim/*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ  := $(TUI_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(addprefix $(BUILD)/tests/,$(basename $(notdir $(UNIT_SRC))))
CORE_LIB := $(BUILD)/libkdcore.a
KUBESIM  := $(if $(SIM_SRC),$(BUILD)/kubesim)

# The binary lands at ./kdrift for the default build, inside BUILD otherwise.
ifeq ($(BUILD),build)
KDRIFT := kdrift
else
KDRIFT := $(BUILD)/kdrift
endif

DEB_PKGS := build-essential pkg-config libncurses-dev libcurl4-openssl-dev \
	libgit2-dev libjansson-dev libyaml-dev libreadline-dev libcmocka-dev \
	libssl-dev libmicrohttpd-dev git tmux openssl ca-certificates valgrind \
	python3 python3-yaml procps time curl

.PHONY: all deps check test asan valgrind demo bench install uninstall clean tests

all: $(KDRIFT) tests

tests: $(UNIT_BIN) $(KUBESIM)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(KDRIFT): $(TUI_OBJ) $(CORE_LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(TUI_OBJ) $(CORE_LIB) $(LIBS_TUI) $(LIBS_CORE)

# tests/unit/PART/test_NAME.c becomes $(BUILD)/tests/test_NAME.
$(foreach s,$(UNIT_SRC),$(eval $(BUILD)/tests/$(basename $(notdir $(s))): $(BUILD)/$(s:.c=.o)))
$(UNIT_BIN): $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) $(call pc,--libs,$(PKG_TEST)) $(LIBS_CORE)

$(BUILD)/kubesim: $(SIM_OBJ) $(CORE_LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(SIM_OBJ) $(CORE_LIB) $(call pc,--libs,$(PKG_SIM)) $(LIBS_CORE)

$(BUILD)/tests/unit/%.o: ALL_CFLAGS += $(call pc,--cflags,$(PKG_TEST)) -Itests/unit
$(BUILD)/tests/kubesim/%.o: ALL_CFLAGS += $(call pc,--cflags,$(PKG_SIM)) -Itests/kubesim

# Installs, only when missing, every Debian package the build, tests and demo need.
deps:
	@missing=""; \
	for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all $(words $(DEB_PKGS)) packages present"; exit 0; fi; \
	echo "deps: installing:$$missing"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "deps: no apt-get on this machine; install these packages yourself:$$missing" >&2; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "deps: not root; run 'sudo make deps' or install:$$missing" >&2; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -q && apt-get install -y -q --no-install-recommends $$missing || \
		{ echo "deps: apt-get failed to install:$$missing" >&2; exit 1; }

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh $(BUILD) all

test: all
	@tests/run.sh $(BUILD) all

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh build-asan unit

valgrind: all
	@tests/run.sh $(BUILD) valgrind

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/tools/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run.sh $(BUILD)

install: $(KDRIFT)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/kdrift/keymaps \
		$(DESTDIR)$(PREFIX)/share/kdrift/themes
	install -m 0755 $(KDRIFT) $(DESTDIR)$(PREFIX)/bin/kdrift
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(wildcard keymaps/*.keys) $(DESTDIR)$(PREFIX)/share/kdrift/keymaps/ 2>/dev/null || true
	install -m 0644 $(wildcard themes/*.theme) $(DESTDIR)$(PREFIX)/share/kdrift/themes/ 2>/dev/null || true

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kdrift
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(wildcard man/*.1)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(wildcard man/*.5)))
	rm -rf $(DESTDIR)$(PREFIX)/share/kdrift

clean:
	rm -rf build build-asan kdrift

-include $(CORE_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(SIM_OBJ:.o=.d) \
	$(UNIT_SRC:%.c=$(BUILD)/%.d)
