# ipckit — small Linux IPC tools over one thin library.
.SUFFIXES:
.DELETE_ON_ERROR:

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share
DESTDIR   ?=

CC      ?= cc
B       ?= build
CFLAGS  ?= -O2 -g
STRICT  ?=
WARN     = -Wall -Wextra -Wshadow -Wformat=2 -Wno-sign-compare $(if $(STRICT),-Werror)
PKG_CFLAGS := $(shell pkg-config --cflags libbsd-overlay 2>/dev/null)
# libbsd is linked statically: only the functions used are copied in, and start-up
# loads no libbsd.so/libmd.so (each shared library costs ~60us of start-up here).
BSD_LIBS   := -Wl,-Bstatic $(shell pkg-config --static --libs libbsd-overlay 2>/dev/null) -Wl,-Bdynamic
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Ilib -Icli $(PKG_CFLAGS) $(WARN) $(CFLAGS)
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS)

# Every cmd/ipc-*.c is a tool; every lib/*.c but the table printer is the library.
TOOLS    := $(sort $(patsubst cmd/%.c,%,$(wildcard cmd/ipc-*.c)))
OUT_SRC  = lib/out.c
LIB_SRC  := $(sort $(filter-out $(OUT_SRC),$(wildcard lib/*.c)))
LIB_HDR  := $(wildcard lib/*.h)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
OUT_OBJ  = $(OUT_SRC:lib/%.c=$(B)/lib/%.o)
CLI_OBJ  = $(B)/cli/cli.o
BINS     = $(TOOLS:%=$(B)/%)
MANS     = $(TOOLS:%=$(B)/man/%.1) $(B)/man/ipckit.7

# Debian packages the build, the tests, the linters and the benchmark need.
DEB_PKGS = build-essential pkg-config libbsd-dev scdoc bats bats-support \
           bats-assert util-linux python3 cppcheck shellcheck socat netcat-openbsd procps jq pv bc zsh fish

all: deps-build
	@$(MAKE) --no-print-directory bins

bins: $(BINS) man

$(B)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The tool layer (cli/): may print and exit, unlike lib/; linked into every tool.
$(B)/cli/%.o: cli/%.c cli/cli.h $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libipckit.a: $(LIB_OBJ)
	$(AR) rcs $@ $(LIB_OBJ)

$(B)/libipckit-out.a: $(OUT_OBJ)
	$(AR) rcs $@ $(OUT_OBJ)

# Every tool links the same archives; the linker takes only the objects a tool
# uses. Only libc is loaded at start-up: the table printer is our own (out.c).
$(BINS): $(B)/%: cmd/%.c $(LIB_HDR) cli/cli.h $(CLI_OBJ) $(B)/libipckit-out.a $(B)/libipckit.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CLI_OBJ) $(B)/libipckit-out.a $(B)/libipckit.a $(BSD_LIBS)

man: $(MANS)
$(B)/man/%: man/%.scd
	@mkdir -p $(@D)
	scdoc < $< > $@

# The suite runs in a private IPC, mount and network namespace where it can (see test/run).
check: deps-test all
	bash test/run

sanitize: deps-test
	$(MAKE) B=build-san CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		IPCKIT_BIN=$(CURDIR)/build-san bash test/run

lint: deps-test
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --std=c11 -D__linux__ -Ilib -Icli --suppress=missingIncludeSystem lib cli cmd
	shellcheck -x test/run test/helpers.bash test/bench/run test/demo $(wildcard test/bench/*.sh test/demo.d/*.sh)
	shellcheck -s bash -x completions/bash/*
	shellcheck -s bash -x test/*.bats

bench: deps-test all
	bash test/bench/run

demo: all
	bash test/demo

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man7 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions $(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	for t in $(TOOLS); do \
		install -m 755 $(B)/$$t $(DESTDIR)$(BINDIR)/$$t; \
		install -m 644 $(B)/man/$$t.1 $(DESTDIR)$(MANPREFIX)/man1/$$t.1; \
		install -m 644 completions/bash/$$t $(DESTDIR)$(DATADIR)/bash-completion/completions/$$t; \
		install -m 644 completions/zsh/_$$t $(DESTDIR)$(DATADIR)/zsh/site-functions/_$$t; \
		install -m 644 completions/fish/$$t.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$t.fish; \
	done
	install -m 644 $(B)/man/ipckit.7 $(DESTDIR)$(MANPREFIX)/man7/ipckit.7

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANPREFIX)/man1/$$t.1 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/$$t \
		$(DESTDIR)$(DATADIR)/zsh/site-functions/_$$t \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/$$t.fish; \
	done
	rm -f $(DESTDIR)$(MANPREFIX)/man7/ipckit.7

clean:
	rm -rf build build-san

# deps: installs what is missing, only when something is.
deps:
	@$(MAKE) --no-print-directory deps-build deps-test

deps-build:
	@missing=""; \
	pkg-config --exists libbsd-overlay 2>/dev/null || missing="$$missing libbsd-dev pkg-config"; \
	command -v scdoc >/dev/null || missing="$$missing scdoc"; \
	command -v cc >/dev/null || missing="$$missing build-essential"; \
	[ -z "$$missing" ] || $(MAKE) --no-print-directory deps-install PKGS="$$missing"

deps-test:
	@missing=""; \
	command -v bats >/dev/null || missing="$$missing bats"; \
	[ -f /usr/lib/bats/bats-support/load.bash ] || missing="$$missing bats-support"; \
	[ -f /usr/lib/bats/bats-assert/load.bash ] || missing="$$missing bats-assert"; \
	for c in ipcmk lsipc python3 cppcheck shellcheck socat nc jq pv bc zsh fish; do \
		command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	[ -z "$$missing" ] || $(MAKE) --no-print-directory deps-install PKGS="$$missing"

deps-install:
	@pk=$$(echo "$(PKGS)" | sed 's/\bipcmk\b/util-linux/; s/\blsipc\b/util-linux/; s/\bnc\b/netcat-openbsd/'); \
	if ! command -v apt-get >/dev/null; then \
		echo "ipckit: please install these packages: $$pk" >&2; exit 1; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	echo "ipckit: installing $$pk" >&2; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$pk >/dev/null

PHONY_EXTRA = bins
.PHONY: all bins man check sanitize lint bench demo install uninstall clean deps deps-build deps-test deps-install
