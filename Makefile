# Convenience targets; the scripts do the work so a machine without make can run them too.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BUILD_DIR ?= build
export BUILD_DIR

.PHONY: all deps build test run install clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	scripts/build.sh

test:
	scripts/test.sh

run:
	scripts/run.sh

# Binaries, man pages and the systemd unit under PREFIX; the default crio.conf,
# registries.conf and policy.json into SYSCONFDIR unless already there, and the default
# bridge network into SYSCONFDIR/cni/net.d when it has none (an operator's files are never
# replaced).
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD_DIR) --prefix $(PREFIX)
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/crio/crio.conf.d
	[ -e $(DESTDIR)$(SYSCONFDIR)/crio/crio.conf ] || \
	  $(BUILD_DIR)/bin/crio config --default \
	    > $(DESTDIR)$(SYSCONFDIR)/crio/crio.conf
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/containers
	[ -e $(DESTDIR)$(SYSCONFDIR)/containers/registries.conf ] || \
	  install -m 0644 contrib/registries.conf $(DESTDIR)$(SYSCONFDIR)/containers/registries.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/containers/policy.json ] || \
	  install -m 0644 contrib/policy.json $(DESTDIR)$(SYSCONFDIR)/containers/policy.json
	DESTDIR=$(DESTDIR) scripts/install-cni-config.sh $(SYSCONFDIR)/cni/net.d

clean:
	rm -rf $(BUILD_DIR)
