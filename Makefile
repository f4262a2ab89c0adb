# dangjian — `make demo` runs the platform with demo data; `make test` runs every test.
# Both set everything up from a fresh clone: .venv, Python and npm packages, Debian packages
# (chromium, fonts-noto-cjk, the Pango library WeasyPrint draws PDFs with) when run as root.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DJ := $(PY) -m dangjian
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000

export DANGJIAN_VAR_DIR ?= $(CURDIR)/var

.PHONY: demo test bench lint format setup system-packages clean

setup: $(VENV)/.installed dangjian/static/vendor/.copied

system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing="$$missing libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing — install them (as root: apt-get install$$missing)"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

dangjian/static/vendor/.copied: node_modules/.package-lock.json scripts/vendor.sh
	scripts/vendor.sh
	touch $@

demo: system-packages setup
	mkdir -p "$(DANGJIAN_VAR_DIR)"
	$(DJ) migrate --noinput -v 0
	$(DJ) seed --scale mine --seed 1 --if-empty
	$(DJ) demo_logins
	@echo "启动：http://$(HOST):$(PORT)/  （Ctrl-C 退出；任务进程与调度进程随之退出）"
	@trap 'kill 0' INT TERM EXIT; \
	  $(DJ) db_worker --interval 1 >"$(DANGJIAN_VAR_DIR)/worker.log" 2>&1 & \
	  $(DJ) scheduler >"$(DANGJIAN_VAR_DIR)/scheduler.log" 2>&1 & \
	  $(DJ) runserver $(HOST):$(PORT)

# --dist loadfile: a module's tests run in one worker, so a module-scoped world (and a seed run
# once per module) is built once, not once per worker.
test: system-packages setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DJ) makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: system-packages setup
	$(DJ) bench $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules dangjian/static/vendor var
