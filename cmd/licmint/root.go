package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

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
	cmd, err := root.ExecuteContextC(withCheckpointState(context.Background()))
	if err != nil {
		return report(stdout, stderr, err, jsonRequested(cmd, args), cmd != nil && cmd.Annotations[jsonLinesAnnotation] != "")
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
	}
	root.PersistentFlags().Bool("json", false, "print JSON on standard output: the command's record, or an error object")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError("%v", err) })
	root.SetHelpCommand(newHelpCmd())
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if jsonFlag(c) {
			printJSON(c.OutOrStdout(), helpRecord(c))
			return
		}
		cobraHelp(c, args)
	})
	// A bare "licmint" shows help rather than failing.
	group(root,
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
		newLedgerCmd(),
		newServeCmd(),
		newResetCodeCmd(),
		newVersionCmd(),
		newExitCodesCmd(),
	)
	addCompletionExamples(root)
	return root
}

// cobraHelp is cobra's own help function, which prints a command's help
// text.
var cobraHelp = (&cobra.Command{}).HelpFunc()

// jsonFlag tells whether cmd was given --json.
func jsonFlag(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup("json")
	return f != nil && f.Value.String() == "true"
}

// jsonFlagVar sets *v, before cmd runs, to whether it was given --json:
// the flag is the root's, persistent, so that every command takes it alike
// and says so once in its help.
func jsonFlagVar(cmd *cobra.Command, v *bool) {
	pre := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		*v = jsonFlag(c)
		if pre != nil {
			return pre(c, args)
		}
		return nil
	}
}

// group makes cmd a command that groups subs. Given no command it shows
// its help; --json, which asks for a record a group does not make, and an
// unknown command are usage errors that say which commands there are.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.AddCommand(subs...)
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return unknownCommand(c, args[0])
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if jsonFlag(c) {
			return &cliError{code: exitUsage, err: fmt.Errorf("%s needs a command: %s", c.CommandPath(), subcommands(c)),
				hint: "'" + c.CommandPath() + " --help --json' prints its help as JSON"}
		}
		return c.Help()
	}
	return cmd
}

// unknownCommand is the usage error for name given to c, which takes
// commands where name is, with the command meant if it is near.
func unknownCommand(c *cobra.Command, name string) error {
	hint := "see '" + c.CommandPath() + " --help' for its commands: " + subcommands(c)
	if !c.HasParent() {
		hint = "see 'licmint help'"
	}
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, set only where it suggests
	}
	if s := c.SuggestionsFor(name); len(s) > 0 {
		hint = "did you mean '" + c.CommandPath() + " " + s[0] + "'? " + hint
	}
	return &cliError{code: exitUsage, err: fmt.Errorf("unknown command %q for %q", name, c.CommandPath()), hint: hint}
}

// subcommands lists cmd's commands, as its help does.
func subcommands(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return strings.Join(names, ", ")
}

// helpJSON is the --json form of a command's help.
type helpJSON struct {
	Command string `json:"command"`
	Help    string `json:"help"`
}

func helpRecord(cmd *cobra.Command) helpJSON {
	var b bytes.Buffer
	out := cmd.OutOrStdout()
	cmd.SetOut(&b)
	cobraHelp(cmd, nil)
	cmd.SetOut(out)
	return helpJSON{Command: cmd.CommandPath(), Help: b.String()}
}

// newHelpCmd replaces cobra's help command, which has no --json and
// answers an unknown topic with success.
func newHelpCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long: `Help shows the help of any command: its description, usage, flags and
examples. 'licmint help exit-codes' lists the exit statuses and error kinds.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return &cliError{code: exitUsage, err: fmt.Errorf("unknown help topic %q", strings.Join(args, " ")), hint: "see 'licmint help' for the commands"}
			}
			target.InitDefaultHelpFlag()
			if asJSON {
				return printJSON(cmd.OutOrStdout(), helpRecord(target))
			}
			return target.Help()
		},
	}
	jsonFlagVar(cmd, &asJSON)
	return cmd
}

// exactArgs and rangeArgs report argument count errors as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			if n == 0 && cmd.HasSubCommands() {
				// A command that runs and groups others, such as serve.
				return unknownCommand(cmd, args[0])
			}
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
		// A group, as rk is, so that an unknown shell is a usage error
		// rather than help and success.
		group(c)
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
			jsonScript(sh)
		}
	}
}

// jsonScript makes a completion command's --json print the script as the
// string member of an object. It writes the script itself, because
// cobra's command writes to the stdout of the time the command was made.
func jsonScript(sh *cobra.Command) {
	var asJSON bool
	jsonFlagVar(sh, &asJSON)
	sh.RunE = func(cmd *cobra.Command, args []string) error {
		noDesc, _ := cmd.Flags().GetBool("no-descriptions")
		var b bytes.Buffer
		root := cmd.Root()
		var err error
		switch cmd.Name() {
		case "bash":
			err = root.GenBashCompletionV2(&b, !noDesc)
		case "zsh":
			if noDesc {
				err = root.GenZshCompletionNoDesc(&b)
			} else {
				err = root.GenZshCompletion(&b)
			}
		case "fish":
			err = root.GenFishCompletion(&b, !noDesc)
		case "powershell":
			if noDesc {
				err = root.GenPowerShellCompletion(&b)
			} else {
				err = root.GenPowerShellCompletionWithDesc(&b)
			}
		}
		if err != nil {
			return err
		}
		if !asJSON {
			_, err = cmd.OutOrStdout().Write(b.Bytes())
			return err
		}
		return printJSON(cmd.OutOrStdout(), struct {
			Shell  string `json:"shell"`
			Script string `json:"script"`
		}{cmd.Name(), b.String()})
	}
}
