// Package config is coursebot's configuration: the YAML file
// (config.example.yaml documents every key, docs/configuration.md says
// what each does) over the defaults (Default), and the secrets, which come
// only from the environment (secrets.go: NAME or NAME_FILE, typed so they
// print as <secret>). Load reads and checks it all at once: every problem
// is reported as file:line: dotted.key: what is wrong, in one *Error
// (decode.go walks the yaml.Node tree against the struct tags; validate.go
// checks what tags cannot say). log.go builds the operator's logger, which
// hashes learner ids (redact.go).
package config
