package main

import (
	"context"
	"errors"
	"io"
)

// runServe runs the chat platforms the config enables.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	return errors.New("serve: the Slack and Discord adapters are not wired in yet")
}

func runSlack(args []string, stdout io.Writer, env func(string) string) error {
	return errors.New("slack: not wired in yet")
}

func runDiscord(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	return errors.New("discord: not wired in yet")
}
