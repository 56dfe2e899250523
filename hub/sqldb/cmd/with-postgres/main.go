// Command with-postgres runs a command (go test …) against a throw-away
// PostgreSQL cluster: it starts one (pgcluster), runs the command with
// EVALROOM_TEST_POSTGRES naming it, stops the cluster, and exits with the
// command's status. make test-go runs the Go suite through it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/evalroom/evalroom/hub/sqldb/pgcluster"
	"github.com/evalroom/evalroom/hub/sqldb/sqldbtest"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: with-postgres [--] COMMAND [ARG]...")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf, err := os.CreateTemp("", "evalroom-pg-*.log")
	if err != nil {
		fmt.Fprintln(os.Stderr, "with-postgres:", err)
		return 1
	}
	defer os.Remove(logf.Name())
	defer logf.Close()
	c, err := pgcluster.Start(ctx, logf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "with-postgres:", err)
		return 1
	}
	defer c.Stop()
	fmt.Fprintf(os.Stderr, "with-postgres: PostgreSQL at %s (server log %s)\n", c.URL, filepath.Base(logf.Name()))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), sqldbtest.Env+"="+c.URL)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "with-postgres:", err)
		return 1
	}
	return 0
}
