# liaison: one Makefile, pkg-config, objects in build/.
#
#   make            build/libliaison.a and build/liaison
#   make check      build and run every test (and replay the fuzz corpora)
#   make demo       install what is missing, build, screen sample travellers
#   make bench      benchmarks side by side with peers (QUICK=1: 10k records)
#   make fuzz       libFuzzer targets (clang)
#
# Options: DEBUG=1 (-O0 -g), SANITIZE=address,undefined, WERROR=1,
# ARCH=... (instruction set; see below; ARCH= builds for any x86-64).

CC       ?= cc
PKGS     := libutf8proc icu-uc icu-i18n sqlite3 libpq jansson libxml-2.0 \
            libmicrohttpd libcurl libsodium
B        := build

ifeq ($(origin CC),default)
CC := cc
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN    += -Werror
endif
# On x86-64, build for x86-64-v2 (SSE4.2 and POPCNT: every x86-64 server
# processor since 2009-2011, and what RHEL 9 requires) when the machine
# building has it: the matching engine's letter signatures count bits, and
# answers 2-5% faster (engine_bench, 100k and 1M).  Answers are the same.
ifeq ($(origin ARCH),undefined)
ARCH := $(shell [ "$$(uname -m)" = x86_64 ] && \
          grep -qw popcnt /proc/cpuinfo 2>/dev/null && \
          grep -qw sse4_2 /proc/cpuinfo 2>/dev/null && \
          $(CC) -march=x86-64-v2 -x c -c -o /dev/null /dev/null 2>/dev/null && \
          echo -march=x86-64-v2)
endif
CFLAGS_BASE := -std=c11 $(ARCH) -D_GNU_SOURCE -Iinclude -Isrc $(WARN) $(PKG_CFLAGS)
ifeq ($(DEBUG),1)
OPT     := -O0 -g -DLIAISON_DEBUG
else
OPT     := -O2 -g -DNDEBUG
endif
ifneq ($(SANITIZE),)
OPT     += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN   := -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS := $(CFLAGS_BASE) $(OPT) $(CFLAGS)
LDLIBS_ALL := $(PKG_LIBS) -lpthread -lm

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
DATA_SRC := data/name_equiv.tsv data/name_particles.tsv data/name_common.tsv \
            data/translit_arabic.txt
DATA_OBJ := $(B)/obj/data_blobs.o
CLI_SRC  := $(sort $(wildcard tools/*.c))
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TESTH_SRC := $(sort $(wildcard tests/helpers/*.c))
TESTH_OBJ := $(TESTH_SRC:%.c=$(B)/obj/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/fuzz_%.c=$(B)/fuzz/replay_%)

.PHONY: all check demo bench fuzz clean deps
all: $(B)/liaison $(B)/libliaison.a

deps:
	@sh tools/deps.sh build

# Rebuild everything when the flags change (sanitizers, debug).
$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(ALL_CFLAGS) $(LDSAN)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(LDSAN)' > $@
FORCE:

$(B)/obj/%.o: %.c $(B)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The data tables are linked into the library, so the program needs no
# installed files; symbols are _binary_data_<file>_start/_end.
$(DATA_OBJ): $(DATA_SRC)
	@mkdir -p $(dir $@)
	ld -r -b binary -z noexecstack -o $@ $(DATA_SRC)

$(B)/libliaison.a: $(LIB_OBJ) $(DATA_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/liaison: $(CLI_OBJ) $(B)/libliaison.a
	$(CC) $(OPT) $(LDSAN) -o $@ $(CLI_OBJ) $(B)/libliaison.a $(LDLIBS_ALL) $(LDFLAGS)

$(B)/tests/%: $(B)/obj/tests/%.o $(TESTH_OBJ) $(B)/libliaison.a
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(LDSAN) -o $@ $< $(TESTH_OBJ) $(B)/libliaison.a $(LDLIBS_ALL) $(LDFLAGS)

$(B)/fuzz/replay_%: $(B)/obj/fuzz/fuzz_%.o $(B)/obj/fuzz/replay.o $(B)/libliaison.a
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(LDSAN) -o $@ $^ $(LDLIBS_ALL) $(LDFLAGS)

check: deps all $(TEST_BIN) $(FUZZ_REPLAY)
	@python3 tools/check_name_tables.py
	@sh tools/check_prefetch.sh $(CC) $(CFLAGS_BASE)
	@sh tests/run_all.sh $(TEST_BIN) -- $(FUZZ_REPLAY)

demo: deps all
	@sh tools/demo.sh $(B)/liaison

bench: deps all
	@sh tools/deps.sh bench
	@bench/run $(if $(QUICK),--quick,)

fuzz:
	@sh fuzz/build.sh

clean:
	rm -rf $(B)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_SRC:tests/%.c=$(B)/obj/tests/%.d) $(TESTH_OBJ:.o=.d)

# The in-process benchmarks (bench/engine_bench.c, bench/manifest_bench.c),
# built by bench/run.
$(B)/bench/%: $(B)/obj/bench/%.o $(B)/libliaison.a
	@mkdir -p $(dir $@)
	$(CC) $(OPT) $(LDSAN) -o $@ $< $(B)/libliaison.a $(LDLIBS_ALL) $(LDFLAGS)
