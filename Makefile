# kdrift — plain GNU make; every library through pkg-config.
#
#   make            build ./kdrift (and the test programs' simulator)
#   make deps       install the Debian packages the build, tests and demo need
#   make check      deps + build + every test; ends with "N passed, N failed"
#                   (KDRIFT_TEST_JOBS=N: N suites at a time, default 2)
#   make asan       ASan+UBSan build, unit tests under it
#   make valgrind   unit tests under valgrind's leak checker
#   make demo       deps + build + the demo
#   make bench      performance measures
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60) with clang
#   make install / uninstall (PREFIX, DESTDIR), make clean

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

PKG_CORE  := libgit2 jansson yaml-0.1 libcurl libcrypto zlib libmicrohttpd
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
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
TUI_OBJ  := $(TUI_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(addprefix $(BUILD)/tests/,$(basename $(notdir $(UNIT_SRC))))
CORE_LIB := $(BUILD)/libkdcore.a
KUBESIM  := $(if $(SIM_SRC),$(BUILD)/kubesim)
# Each fuzz target twice: replay_NAME (plain main, runs saved inputs in
# make check) and, in `make fuzz`, fuzz/NAME linked with libFuzzer.
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
REPLAY_BIN  := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)
FUZZER_BIN  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

# The binary lands at ./kdrift for the default build, inside BUILD otherwise.
ifeq ($(BUILD),build)
KDRIFT := kdrift
else
KDRIFT := $(BUILD)/kdrift
endif

DEB_PKGS := build-essential pkg-config libncurses-dev libcurl4-openssl-dev \
	libgit2-dev libjansson-dev libyaml-dev libreadline-dev libcmocka-dev \
	libssl-dev libmicrohttpd-dev zlib1g-dev git tmux openssl ca-certificates valgrind \
	python3 python3-yaml procps time curl clang libclang-rt-14-dev zsh fish

.PHONY: all deps check test asan valgrind demo bench fuzz fuzzers install uninstall clean tests

all: $(KDRIFT) tests

tests: $(UNIT_BIN) $(KUBESIM) $(REPLAY_BIN)

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
# The UI's tree model needs no curses: its test links the model alone.
$(BUILD)/tests/test_model $(BUILD)/tests/test_model_whole: $(BUILD)/tui/ui/model.o \
	$(BUILD)/tui/ui/model_search.o $(BUILD)/tui/ui/model_filter.o $(BUILD)/tui/ui/strset.o

$(BUILD)/kubesim: $(SIM_OBJ) $(CORE_LIB)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(SIM_OBJ) $(CORE_LIB) $(call pc,--libs,$(PKG_SIM)) $(LIBS_CORE)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) $(LIBS_CORE)

fuzzers: $(FUZZER_BIN)

# Keep the targets' objects between the two links (make drops intermediates).
.SECONDARY: $(FUZZ_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/fuzz/replay.o

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/fuzz_%.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) $(LIBS_CORE)

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
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh build-asan unit-fuzz

valgrind: all
	@tests/run.sh $(BUILD) valgrind

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/tools/demo.sh $(BUILD)

# libFuzzer with ASan+UBSan (clang); every target for FUZZ_SECONDS.  Crashes
# are kept in build-fuzz/crashes/NAME/; copy each into tests/fuzz/regress/NAME/
# once fixed, so make check replays it for ever.
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all" fuzzers
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

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
	rm -rf build build-asan build-fuzz kdrift

-include $(CORE_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(SIM_OBJ:.o=.d) \
	$(UNIT_SRC:%.c=$(BUILD)/%.d) $(FUZZ_SRC:%.c=$(BUILD)/%.d) $(BUILD)/tests/fuzz/replay.d
