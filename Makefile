# muxlab - one GNU Makefile. `make help` lists the targets.
#
# Options (variables): V=1 (show commands), SAN=address|thread|undefined,
# CFLAGS=..., BUILD=dir (default build), CC=...

CC      ?= cc
BUILD   ?= build
V       ?= 0
SAN     ?=

PKGS    := lttng-ust libnghttp2
VPKGS   := babeltrace2 ncursesw

OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -Isrc
override CFLAGS += -std=gnu11 -pthread $(WARN)
ifneq ($(SAN),)
override CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=$(SAN)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl
VPKG_CFLAGS = $(shell pkg-config --cflags $(VPKGS) 2>/dev/null)
VPKG_LIBS   = $(shell pkg-config --libs $(VPKGS) 2>/dev/null)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- engine ---------------------------------------------------------------
ENGINE_SRCS := $(sort $(wildcard src/*.c))
ENGINE_OBJS := $(patsubst src/%.c,$(BUILD)/src/%.o,$(ENGINE_SRCS))
LIB_OBJS    := $(filter-out $(BUILD)/src/main.o,$(ENGINE_OBJS))

# ---- tests ----------------------------------------------------------------
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all help deps demo test unit record view bench stress fuzz clean \
	check-syntax tsan

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
	@echo "  make bench      throughput: usr1 vs legacy vs haproxy, tracing cost"
	@echo "  make stress     long steal-heavy soak under the trace checker"
	@echo "  make fuzz       run the codec fuzzers (clang, libFuzzer)"
	@echo "  make tsan       ThreadSanitizer build in build-tsan/"
	@echo "  make clean"
	@echo "options: V=1  SAN=address|thread|undefined  BUILD=dir  CFLAGS=..."

deps:
	$(Q)sh lab/deps.sh

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libmuxlab.a: $(LIB_OBJS)
	@[ "$(V)" = 1 ] || echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/muxlab: $(BUILD)/src/main.o $(BUILD)/libmuxlab.a
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/src/main.o \
		-Wl,--whole-archive $(BUILD)/libmuxlab.a -Wl,--no-whole-archive \
		$(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libmuxlab.a
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
		-Wl,--whole-archive $(BUILD)/libmuxlab.a -Wl,--no-whole-archive \
		$(PKG_LIBS) -lm

unit: $(UNIT_BINS)

# ---- lab peers and viewer (fragments kept beside their code) ---------------
-include lab/peers/Makefile.inc
-include viewer/Makefile.inc

MUXVIEW_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(MUXVIEW_SRCS))
MUXVIEW_CORE_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(MUXVIEW_CORE_SRCS))
VIEWER_TEST_BINS := $(patsubst tests/viewer/%.c,$(BUILD)/tests/viewer/%,$(MUXVIEW_TEST_SRCS))

.PHONY: viewer
viewer: $(BUILD)/muxview $(BUILD)/gentrace $(VIEWER_TEST_BINS)

$(BUILD)/viewer/%.o: viewer/%.c $(MUXVIEW_HDRS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(MUXVIEW_CFLAGS) -Isrc $(CFLAGS) -c -o $@ $<

$(BUILD)/muxview: $(MUXVIEW_OBJS)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MUXVIEW_LIBS) -lm

$(BUILD)/tests/viewer/%: tests/viewer/%.c $(MUXVIEW_CORE_OBJS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(MUXVIEW_CFLAGS) -Isrc -Iviewer $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

$(BUILD)/gentrace: $(MUXVIEW_GENTRACE_SRCS)
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

bench: all
	$(Q)lab/bench

stress: all
	$(Q)lab/stress

fuzz:
	$(Q)sh tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread $(if $(filter 1,$(V)),V=1) build-tsan/muxlab

clean:
	rm -rf $(BUILD) build-tsan build-asan

-include $(ENGINE_OBJS:.o=.d)
