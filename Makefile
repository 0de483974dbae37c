# Developer entry points. `make test` is the one test command, and what CI runs.
#   make test                          static checks + every test, with PostgreSQL and MinIO
#   make test ARGS='-run Foo ./api/...'  extra arguments for go test
#   FIELDWORK_TEST_FAST=1 make test    skip the static checks (not under CI)

ARGS ?=

.PHONY: run test generate lint-spec build

run:
	go run ./cmd/fieldwork serve

test:
	scripts/test.sh $(ARGS)

generate:
	go generate ./...

lint-spec:
	scripts/lint-spec.sh

build:
	go build -o bin/fieldwork ./cmd/fieldwork
