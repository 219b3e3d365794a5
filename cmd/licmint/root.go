package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// run builds the command tree, runs args through it, and returns the exit
// status. Everything a command prints goes to stdout and stderr as given.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		return report(stderr, err)
	}
	return exitOK
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "licmint",
		Short: "Sign and verify offline license keys",
		Long: `licmint issues and checks offline licenses: Registration Keys that customers
buy, and the Ed25519-signed Activation Codes they exchange them for, which a
product verifies with no network access. See FORMAT.md for the formats.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// A bare "licmint" shows help rather than failing.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.AddCommand(
		newDemoCmd(),
		newKeygenCmd(),
		newPubkeyCmd(),
		newRKCmd(),
		newSignCmd(),
		newVerifyCmd(),
		newInspectCmd(),
		newRequestCmd(),
		newRenewCmd(),
		newReplaceCmd(),
		newRevokeCmd(),
		newResetCodeCmd(),
		newVersionCmd(),
		&cobra.Command{Use: "exit-codes", Short: "Exit statuses of licmint commands", Long: exitCodesHelp},
	)
	addCompletionExamples(root)
	return root
}

// exactArgs and rangeArgs report argument count errors as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageError("%s needs at least %d argument(s)", cmd.CommandPath(), n)
		}
		return nil
	}
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// addCompletionExamples adds cobra's completion command now, rather than at
// Execute, so that its pages carry examples like every other command's and
// appear in docs/cli.
func addCompletionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = `  licmint completion bash > /etc/bash_completion.d/licmint
  licmint completion zsh > "${fpath[1]}/_licmint"
  licmint completion fish > ~/.config/fish/completions/licmint.fish
  licmint completion powershell | Out-String | Invoke-Expression`
		for _, sh := range c.Commands() {
			sh.Example = map[string]string{
				"bash":       "  source <(licmint completion bash)",
				"zsh":        `  licmint completion zsh > "${fpath[1]}/_licmint"`,
				"fish":       "  licmint completion fish | source",
				"powershell": "  licmint completion powershell | Out-String | Invoke-Expression",
			}[sh.Name()]
		}
	}
}
