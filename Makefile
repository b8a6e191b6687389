# OneVisit: `make run` starts the assistant, `make test` runs every test. Both set everything up first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
TRAINING := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) data/jieba/userdict.txt
MODEL := models/onevisit.tar.gz

.PHONY: setup run test lint generated knowledge train eval bench load browser web-deps postgres services up down clean

# --- set-up --------------------------------------------------------------------------------------
$(VENV)/.installed: requirements.txt requirements-dev.txt .python-version
	@echo "==> 创建虚拟环境（Python $(PYTHON_VERSION)）并安装固定版本的依赖"
	@test -x $(PY) || { PYBIN=$$(pyenv which python 2>/dev/null || command -v python$(PYTHON_VERSION)); \
	  echo "    使用 $$PYBIN"; "$$PYBIN" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --progress-bar on -r requirements.txt -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed

browser:
	@command -v chromium >/dev/null || { echo "==> 安装 chromium（浏览器测试用）"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

web-deps:
	@if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.installed ]; then \
	  echo "==> 安装网页无障碍检查工具 axe-core（npm ci，版本固定在 package-lock.json）"; \
	  npm ci --no-audit --no-fund && touch node_modules/.installed; fi

postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "==> 安装 PostgreSQL（数据库测试用）"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

services:
	@command -v redis-server >/dev/null && command -v haproxy >/dev/null || { \
	  echo "==> 安装 Redis 和 HAProxy（水平扩展拓扑 make up 和它的测试用）"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server haproxy >/dev/null; }

generated: setup
	@echo "==> 由知识库重新生成 jieba 词典和实体识别的地名规则"
	$(PY) -m bot knowledge build

knowledge: setup
	@echo "==> 检查并载入知识库"
	$(PY) -m bot knowledge validate $(if $(wildcard ../shared/affairs.yml),--required ../shared/affairs.yml)
	source scripts/env.sh && $(PY) -m bot knowledge load

$(MODEL): $(TRAINING) | setup
	@echo "==> 训练 Rasa 模型（训练数据或配置有变化）"
	$(RASA) train --fixed-model-name onevisit --out models

train: knowledge $(MODEL)

# --- the two commands ----------------------------------------------------------------------------
run: generated train
	@source scripts/env.sh && $(PY) -m backend seed
	@scripts/run.sh

# the horizontal topology (deploy/README.md): PostgreSQL, Redis, 2 Rasa and 2 action servers behind HAProxy
up: services postgres generated train
	@scripts/up.sh

down:
	@scripts/down.sh

test: setup web-deps
	@echo "==> 生成文件是否最新（过期时请运行 python -m bot knowledge build 并提交）"
	$(PY) -m bot knowledge build --check
	@echo "==> 后台拟合事项解析器，存入 var/cache/resolver（与下面的训练、安装同时进行；测试直接载入它）"
	@mkdir -p var && { $(PY) -m bot resolve --files 身份证丢了 > var/prefit.log 2>&1 & echo $$! > var/prefit.pid; }
	$(MAKE) --no-print-directory train browser postgres services
	@echo "==> ruff"
	$(VENV)/bin/ruff check .
	@echo "==> rasa data validate"
	$(RASA) data validate --max-history 5
	@echo "==> Rasa 测试故事"
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --model $(MODEL) --out var/results/core
	@echo "==> pytest（单元、动作、后端、端到端、浏览器）"
	@while kill -0 "$$(cat var/prefit.pid)" 2>/dev/null; do sleep 1; done; rm -f var/prefit.pid
	scripts/with_postgres.sh $(PY) -m pytest -q --durations=30

lint: setup
	$(VENV)/bin/ruff check .

# --- measurements --------------------------------------------------------------------------------
eval: train
	$(PY) scripts/eval_report.py

bench: knowledge
	$(PY) -m bench

# load and fault tests (locust) of the make up topology on its own ports in var/load; LOAD_* settings in
# bench/load/settings.py
load: services postgres generated train
	$(PY) -m bench.load

clean:
	rm -rf var models .pytest_cache
