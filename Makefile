# muxlab - one GNU Makefile. `make help` lists the targets.
#
# Options (variables): V=1 (show commands), SAN=address|thread|undefined,
# CFLAGS=..., BUILD=dir (default build), CC=...

# `make` alone builds everything (the first rule below is not the default)
.DEFAULT_GOAL := all

CC      ?= cc
BUILD   ?= build
V       ?= 0
SAN     ?=

OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -Isrc
override CFLAGS += -std=gnu11 -pthread $(WARN)
ifneq ($(SAN),)
override CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=$(SAN)
endif

# ---- libraries (pkg-config) -------------------------------------------------
#
# Each package is looked up once per make run (`:=`), and not at all for
# the goals that build nothing (help, deps, clean). A missing package is
# not a link error later: the check-pkgs-* targets, order-only
# prerequisites of what needs it, name it and point to `make deps`.

PKG_CONFIG ?= pkg-config
# the engine and its unit tests; the lab peers (HPACK only); the viewer's
# list, MUXVIEW_PKGS, is in its fragment
PKGS        := lttng-ust libnghttp2
PEERS_PKGS  := libnghttp2
include viewer/Makefile.inc

NOPKG_GOALS := help deps clean
ifneq ($(filter-out $(NOPKG_GOALS),$(or $(MAKECMDGOALS),all)),)
ALL_PKGS := $(sort $(PKGS) $(PEERS_PKGS) $(MUXVIEW_PKGS))
# one pkg-config call when everything is there, one per package otherwise
PKGS_MISSING := $(shell $(PKG_CONFIG) --exists $(ALL_PKGS) 2>/dev/null || \
	for p in $(ALL_PKGS); do $(PKG_CONFIG) --exists $$p 2>/dev/null || \
	echo $$p; done)
pkg_found = $(filter-out $(PKGS_MISSING),$(1))
# pkg_flags cflags|libs PACKAGES: the flags of those that are there
pkg_flags = $(if $(call pkg_found,$(2)),$(shell $(PKG_CONFIG) --$(1) \
	$(call pkg_found,$(2)) 2>/dev/null))
PKG_CFLAGS         := $(call pkg_flags,cflags,$(PKGS))
PKG_LIBS           := $(call pkg_flags,libs,$(PKGS))
MUXVIEW_PKG_CFLAGS := $(call pkg_flags,cflags,$(MUXVIEW_PKGS))
MUXVIEW_PKG_LIBS   := $(call pkg_flags,libs,$(MUXVIEW_PKGS))
PEERS_PKG_CFLAGS   := $(call pkg_flags,cflags,$(PEERS_PKGS))
PEERS_PKG_LIBS     := $(call pkg_flags,libs,$(PEERS_PKGS))
endif
PKG_LIBS += -ldl

# check-pkgs-X: fail, naming them, if packages of X are missing
pkg_check = @missing="$(filter $(1),$(PKGS_MISSING))"; \
	if [ -n "$$missing" ]; then \
		echo "muxlab: missing package(s) for $(2): $$missing" \
		     "($(PKG_CONFIG) finds no .pc file)." >&2; \
		echo "muxlab: run 'make deps' (or set PKG_CONFIG_PATH)" >&2; \
		exit 1; \
	fi
.PHONY: check-pkgs-engine check-pkgs-viewer check-pkgs-peers
check-pkgs-engine:
	$(call pkg_check,$(PKGS),the engine)
check-pkgs-viewer:
	$(call pkg_check,$(MUXVIEW_PKGS),muxview)
check-pkgs-peers:
	$(call pkg_check,$(PEERS_PKGS),the lab peers)
PEERS_PKG_CHECK := check-pkgs-peers

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- engine ---------------------------------------------------------------
ENGINE_SRCS := $(sort $(wildcard src/*.c))
# the peers' command-line parsers: the config parser checks "#@lab peer"
# and "#@lab load" lines with them (lab/peers/peer_args.h)
ENGINE_PEER_SRCS := lab/peers/peer_parse.c lab/peers/peer_server_args.c \
	lab/peers/loadgen_args.c
ENGINE_OBJS := $(patsubst src/%.c,$(BUILD)/src/%.o,$(ENGINE_SRCS)) \
	$(patsubst %.c,$(BUILD)/%.o,$(ENGINE_PEER_SRCS))
LIB_OBJS    := $(filter-out $(BUILD)/src/main.o,$(ENGINE_OBJS))

# ---- tests ----------------------------------------------------------------
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all help deps demo test unit record view live bench stress fuzz clean \
	check-syntax tsan handout grade grade-all hint

all: $(BUILD)/muxlab peers viewer

help:
	@echo "muxlab targets:"
	@echo "  make            build the engine, the lab peers and muxview"
	@echo "  make deps       install the Debian packages muxlab needs (root),"
	@echo "                  or print the apt-get command to run"
	@echo "  make demo       deps + build + record the default scenario in"
	@echo "                  legacy and usr1 mode, then compare them"
	@echo "  make test       deps + build + every test; ends 'N passed, N failed'"
	@echo "  make record S=NAME MODE=usr1|legacy   record one scenario"
	@echo "  make view T=TRACE_DIR                 open muxview on a trace"
	@echo "  make live S=NAME MODE=usr1|legacy     run a scenario, watch it live"
	@echo "                  in muxview (e flips the mode); the trace is kept"
	@echo "  make bench      throughput: usr1 vs legacy vs haproxy, tracing cost"
	@echo "  make stress     long steal-heavy soak under the trace checker"
	@echo "  make fuzz       run the codec fuzzers (clang, libFuzzer)"
	@echo "  make tsan       ThreadSanitizer build in build-tsan/"
	@echo "exercises (GUIDE.md section 9; in a handout, EXERCISE.md):"
	@echo "  make handout EX=NN [DIR=dir]  a student's copy for exercise NN"
	@echo "  make grade EX=NN              grade exercise NN in this tree"
	@echo "  make hint EX=NN               the next hint of exercise NN"
	@echo "  make grade-all                every exercise's self-test (lecturers)"
	@echo "  make clean"
	@echo "options: V=1  SAN=address|thread|undefined  BUILD=dir  CFLAGS=..."

deps:
	$(Q)sh lab/deps.sh

$(BUILD)/src/%.o: src/%.c | check-pkgs-engine
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/lab/peers/%.o: lab/peers/%.c | check-pkgs-engine
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libmuxlab.a: $(LIB_OBJS)
	@[ "$(V)" = 1 ] || echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/muxlab: $(BUILD)/src/main.o $(BUILD)/libmuxlab.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/src/main.o \
		-Wl,--whole-archive $(BUILD)/libmuxlab.a -Wl,--no-whole-archive \
		$(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmuxlab.a | check-pkgs-engine
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
		-Wl,--whole-archive $(BUILD)/libmuxlab.a -Wl,--no-whole-archive \
		$(PKG_LIBS) -lm

unit: $(UNIT_BINS)

# ---- lab peers and viewer (fragments kept beside their code) ---------------
# (viewer/Makefile.inc, variables only, is included above)
-include lab/peers/Makefile.inc

MUXVIEW_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(MUXVIEW_SRCS))
MUXVIEW_CORE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(MUXVIEW_CORE_SRCS))
VIEWER_TEST_BINS := $(patsubst tests/viewer/%.c,$(BUILD)/tests/viewer/%,$(MUXVIEW_TEST_SRCS))

.PHONY: viewer
viewer: $(BUILD)/muxview $(BUILD)/gentrace $(VIEWER_TEST_BINS)

$(BUILD)/viewer/%.o: viewer/%.c $(MUXVIEW_HDRS) | check-pkgs-viewer
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(MUXVIEW_CFLAGS) -Isrc $(CFLAGS) -c -o $@ $<

$(BUILD)/muxview: $(MUXVIEW_OBJS)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MUXVIEW_LIBS) -lm

# (the tests' own headers, synth.h and the like, are prerequisites too)
$(BUILD)/tests/viewer/%: tests/viewer/%.c $(wildcard tests/viewer/*.h) $(MUXVIEW_HDRS) $(MUXVIEW_CORE_OBJS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(MUXVIEW_CFLAGS) -Isrc -Iviewer $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) -lm

$(BUILD)/gentrace: $(MUXVIEW_GENTRACE_SRCS) | check-pkgs-engine
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(MUXVIEW_GENTRACE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MUXVIEW_GENTRACE_LIBS)

# ---- user-facing jobs ------------------------------------------------------
S    ?= default
MODE ?= usr1

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)lab/demo

test: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)bash tests/run.sh

record: all
	$(Q)lab/record --mode $(MODE) $(S)

view: all
	$(Q)$(BUILD)/muxview $(T)

live: all
	$(Q)BUILD=$(BUILD) lab/live --mode $(MODE) $(S)

bench: all
	$(Q)lab/bench

stress: all
	$(Q)lab/stress

fuzz:
	$(Q)sh tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

# exercises: lab/handout, lab/grade, lab/hint say more (--help)
EX ?=
need-ex = $(if $(EX),,$(error give the exercise: make $@ EX=NN (GUIDE.md section 9)))

handout:
	$(need-ex)$(Q)lab/handout $(EX) $(DIR)

grade:
	$(need-ex)$(Q)lab/grade $(EX)

hint:
	$(need-ex)$(Q)lab/hint $(EX)

grade-all: all
	$(Q)bash tests/integration/exercises.sh --full

tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread $(if $(filter 1,$(V)),V=1) build-tsan/muxlab

clean:
	rm -rf $(BUILD) build-tsan build-asan

-include $(ENGINE_OBJS:.o=.d)
